// Depthwise convolution (groups = inChannels = outChannels): conv2d dispatches it to kernels of
// its own; they must agree with the f64 reference, finite differences and the general grouped
// kernels they replace, on every pass.
import { describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../src/engine/backend.js';
import { conv2dGeometry } from '../../src/engine/ops/geometry.js';
import * as ops from '../../src/index.js';
import { KERNELS } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, expectClose } from '../helpers/oracle.js';

const cases = await testBackends();

/** x shape, kernel [KH, KW], options: weights are [C, 1, KH, KW] with groups = C. */
const configs: [string, number[], [number, number], ops.Conv2dOptions][] = [
  ['3×3, padding 1', [2, 3, 9, 7], [3, 3], { padding: 1 }],
  ['3×3, stride 2, padding 1, even size', [2, 4, 8, 8], [3, 3], { stride: 2, padding: 1 }],
  ['3×3, stride 2, padding 1, odd size', [1, 3, 7, 9], [3, 3], { stride: 2, padding: 1 }],
  ['5×5, padding 2', [1, 2, 11, 13], [5, 5], { padding: 2 }],
  ['no padding, uneven kernel and stride', [2, 3, 10, 9], [2, 3], { stride: [2, 1] }],
  ['padding wider than the kernel reaches', [1, 2, 5, 6], [3, 3], { padding: 3 }],
  ['1×1, stride 2', [2, 3, 7, 7], [1, 1], { stride: 2 }],
  ['many planes, parts and workgroups', [5, 24, 14, 14], [3, 3], { padding: 1 }],
];

const weightShape = (x: number[], [kh, kw]: [number, number]) => [x[1]!, 1, kh, kw];
const withGroups = (x: number[], options: ops.Conv2dOptions) => ({ ...options, groups: x[1]! });

/** Each pass through the depthwise kernels and through the general grouped ones, on the same inputs. */
async function bothKernels(backend: Backend, xShape: number[], kernel: [number, number], options: ops.Conv2dOptions) {
  const wShape = weightShape(xShape, kernel);
  const g = conv2dGeometry(xShape, wShape, options.stride ?? 1, options.padding ?? 0, xShape[1]!);
  const x = ops.randn(xShape, { backend, seed: 1 });
  const w = ops.randn(wShape, { backend, seed: 2 });
  const gy = ops.randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { backend, seed: 3 });
  /** The output of `run` into a fresh tensor of `shape`, with the depthwise kernel and with the general one. */
  const outputs = async (shape: readonly number[], run: (out: ops.Tensor, depthwise: boolean) => void) => {
    const values: number[][] = [];
    for (const depthwise of [true, false]) {
      const out = ops.Tensor.empty(backend, shape);
      run(out, depthwise);
      values.push(Array.from(await out.data()));
      out.dispose();
    }
    return values as [number[], number[]];
  };
  const results = {
    forward: await outputs(gy.shape, (out, depthwise) =>
      backend.run(depthwise ? KERNELS.depthwiseConv2d : KERNELS.conv2d, { x: x.storage, w: w.storage, out: out.storage, ...g }),
    ),
    'input gradient': await outputs(x.shape, (gx, depthwise) =>
      backend.run(depthwise ? KERNELS.depthwiseConv2dBackwardInput : KERNELS.conv2dBackwardInput, {
        gy: gy.storage,
        w: w.storage,
        gx: gx.storage,
        ...g,
      }),
    ),
    'weight gradient': await outputs(w.shape, (gw, depthwise) =>
      backend.run(depthwise ? KERNELS.depthwiseConv2dBackwardWeight : KERNELS.conv2dBackwardWeight, {
        x: x.storage,
        gy: gy.storage,
        gw: gw.storage,
        ...g,
      }),
    ),
  };
  for (const t of [x, w, gy]) t.dispose();
  return results;
}

describe.each(cases)('depthwise conv2d on $name', ({ backend }) => {
  describe.skipIf(!backend).each(configs)('%s', (_, xShape, kernel, options) => {
    it('matches the reference, with finite-difference gradients', async () => {
      await checkOp(backend!, {
        inputs: [{ shape: xShape }, { shape: weightShape(xShape, kernel) }],
        fn: (x, w) => ops.conv2d(x, w, withGroups(xShape, options)),
      });
    });

    it('agrees with the general grouped kernels on every pass', async () => {
      for (const [pass, [depthwise, general]] of Object.entries(await bothKernels(backend!, xShape, kernel, options))) {
        expectClose(depthwise, general, 1e-4, 1e-5, `${backend!.name} ${pass}`);
      }
    });
  });

  it.skipIf(!backend)('is what conv2d runs when groups = inChannels = outChannels, and only then', () => {
    const run = vi.spyOn(backend!, 'run');
    const x = ops.randn([2, 4, 6, 6], { backend: backend! }).requireGrad();
    const kernels = (fn: () => ops.Tensor) => {
      run.mockClear();
      fn().sum().backward();
      return run.mock.calls.map(([kernel]) => kernel.name).filter((name) => name.toLowerCase().includes('conv2d'));
    };
    const depthwise = ops.randn([4, 1, 3, 3], { backend: backend! }).requireGrad();
    expect(kernels(() => ops.conv2d(x, depthwise, { padding: 1, groups: 4 }))).toEqual([
      'depthwiseConv2d',
      'depthwiseConv2dBackwardInput',
      'depthwiseConv2dBackwardWeight',
    ]);
    const multiplier = ops.randn([8, 1, 3, 3], { backend: backend! }).requireGrad();
    expect(kernels(() => ops.conv2d(x, multiplier, { padding: 1, groups: 4 }))).toEqual([
      'conv2d',
      'conv2dBackwardInput',
      'conv2dBackwardWeight',
    ]);
    run.mockRestore();
  });
});
