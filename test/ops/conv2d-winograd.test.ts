// Winograd's F(2×2, 3×3) for 3×3 convolutions of stride 1 and padding 1: conv2d runs it where
// the measured rule says (ops/conv2d.ts), and always with algorithm 'winograd'. Every pass must
// agree with the f64 reference within the usual tolerances, on maps with many tiles, partial
// tiles at the edges (odd sizes, 7×7), batch 1, channels that are not multiples of 4 and
// channels past one GEMM depth block.
import { describe, expect, it, vi } from 'vitest';
import { conv2dGeometry } from '../../src/engine/ops/geometry.js';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = await testBackends();

/** x shape, output channels: weights [Cout, Cin, 3, 3], padding 1. */
const configs: [string, number[], number][] = [
  ['28×28 maps: many tiles', [2, 5, 28, 28], 6],
  ['7×7 maps: partial tiles at the edges', [3, 6, 7, 7], 5],
  ['odd, uneven sizes', [2, 3, 9, 13], 7],
  ['batch 1, channels not multiples of 4', [1, 7, 14, 14], 9],
  ["more images than the weight gradient's batch splits", [20, 3, 5, 6], 4],
  ['1×1 and 1×2 maps', [2, 4, 1, 2], 3],
  ['input channels past one depth block', [1, 330, 2, 3], 4],
  ["output channels past one depth block (the input gradient's)", [1, 3, 2, 3], 330],
];

describe.each(cases)('conv2d by Winograd on $name', ({ backend }) => {
  it.skipIf(!backend).each(configs)('%s', async (_, xShape, outChannels) => {
    await checkOp(backend!, {
      inputs: [{ shape: xShape }, { shape: [outChannels, xShape[1]!, 3, 3] }],
      fn: (x, w) => ops.conv2d(x, w, { padding: 1, algorithm: 'winograd' }),
    });
  });

  it.skipIf(!backend)('is what conv2d runs where the rule says, and only for 3×3, stride 1, padding 1', () => {
    const run = vi.spyOn(backend!, 'run');
    const kernels = (x: ops.Tensor, w: ops.Tensor, options: ops.Conv2dOptions) => {
      run.mockClear();
      ops.conv2d(x, w, options).sum().backward();
      return run.mock.calls.map(([kernel]) => kernel.name).filter((name) => name.toLowerCase().includes('conv2d'));
    };
    const x = ops.randn([2, 16, 14, 14], { backend: backend! }).requireGrad();
    const w = ops.randn([16, 16, 3, 3], { backend: backend! }).requireGrad();
    const g = conv2dGeometry(x.shape, w.shape, 1, 1, 1);
    const rule = (['forward', 'input', 'weight'] as const).map((pass) => ops.winogradPays(g, backend!.kind, pass));
    expect(kernels(x, w, { padding: 1 })).toEqual([
      rule[0] ? 'conv2dWinograd' : 'conv2d',
      rule[1] ? 'conv2dWinogradBackwardInput' : 'conv2dBackwardInput',
      rule[2] ? 'conv2dWinogradBackwardWeight' : 'conv2dBackwardWeight',
    ]);
    expect(kernels(x, w, { padding: 1, algorithm: 'gemm' })).toEqual(['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight']);
    expect(kernels(x, w, { padding: 1, stride: 2 })).toEqual(['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight']);
    expect(() => ops.conv2d(x, w, { padding: 1, stride: 2, algorithm: 'winograd' })).toThrow(/'winograd' needs a 3×3 filter, stride 1/);
    run.mockRestore();
  });
});

it('the rule: Winograd where it measured faster (from 16 channels on the CPU, 32 on software GPUs), never for other geometries', () => {
  const at = (cin: number, cout: number, size: number, options: { stride?: number; groups?: number } = {}) =>
    conv2dGeometry([64, cin, size, size], [cout, cin / (options.groups ?? 1), 3, 3], options.stride ?? 1, 1, options.groups ?? 1);
  expect(ops.winogradPays(at(32, 32, 28), 'cpu', 'forward')).toBe(true);
  expect(ops.winogradPays(at(128, 128, 7), 'cpu', 'weight')).toBe(true);
  expect(ops.winogradPays(at(1, 32, 28), 'cpu', 'forward')).toBe(false); // the stem: one input channel
  expect(ops.winogradPays(at(32, 32, 28, { stride: 2 }), 'cpu', 'forward')).toBe(false);
  expect(ops.winogradPays(at(32, 32, 28, { groups: 2 }), 'cpu', 'forward')).toBe(false);
  expect(ops.winogradPays(at(16, 16, 28), 'gpu-software', 'forward')).toBe(false);
  expect(ops.winogradPays(at(32, 32, 28), 'gpu-software', 'input')).toBe(true);
  expect(ops.winogradPays(at(128, 128, 7), 'gpu-hardware', 'forward')).toBe(false); // not measured on one
});
