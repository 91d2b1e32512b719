// The backbones: parameter counts that match torchvision's networks, multiply-adds and
// resolutions as the headers document them, output shapes, and the same forward and backward
// pass on the reference and on WebAssembly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/engine/backend.js';
import * as ops from '../../src/index.js';
import { type Arch, backboneCost, createBackbone, Generator, TracingBackend } from '../../src/index.js';
import { createWasmBackend } from '../../src/node.js';
import { expectClose } from '../helpers/oracle.js';

const wasm = await createWasmBackend({ threads: 2 });
afterAll(() => wasm.destroy());

const maxAbs = (values: number[]) => values.reduce((most, v) => Math.max(most, Math.abs(v)), 0);

/** Multiply-adds of a square convolution with `size`² outputs. */
const conv = (size: number, inChannels: number, outChannels: number, kernel: number) =>
  size * size * inChannels * outChannels * kernel ** 2;

it("resnet18 and mobilenetv2 have torchvision's parameters, without the classifier and with a one-channel 3×3 stem", () => {
  // torchvision's resnet18: 11,689,512 with its 1000-way fc (513,000) and 7×7×3 stem (9,408)
  expect(backboneCost('resnet18', 1).parameters).toBe(11_689_512 - 513_000 - 9_408 + 9 * 64);
  // torchvision's mobilenet_v2: 3,504,872 with its classifier (1,281,000) and 3×3×3 stem (864); strides count no parameters
  expect(backboneCost('mobilenetv2', 1).parameters).toBe(3_504_872 - 1_281_000 - 864 + 9 * 32);
});

it("README's table of backbones is what backboneCost counts", () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const rows = readme.match(/^\| (fmnist-resnet|resnet18|mobilenetv2) \|.*$/gm) ?? [];
  expect(rows.length).toBeGreaterThanOrEqual(6);
  for (const row of rows) {
    const [arch, width] = row
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim()) as [Arch, string];
    const { parameters, macs, features } = backboneCost(arch, Number(width));
    expect(row).toBe(`| ${arch} | ${width} | ${parameters.toLocaleString('en-US')} | ${(macs / 1e6).toFixed(1)} M | ${features} |`);
  }
});

it('counts the multiply-adds of every convolution, at its resolution', () => {
  const fmnist = conv(28, 1, 32, 3) + 2 * conv(28, 32, 32, 3) + conv(14, 32, 64, 3) + conv(14, 64, 64, 3) + conv(14, 32, 64, 1);
  expect(backboneCost('fmnist-resnet', 1).macs).toBe(fmnist + conv(7, 64, 128, 3) + conv(7, 128, 128, 3) + conv(7, 64, 128, 1));
  const layer = (size: number, c: number) => conv(size, c / 2, c, 3) + 3 * conv(size, c, c, 3) + conv(size, c / 2, c, 1);
  const resnet18 = conv(28, 1, 64, 3) + 4 * conv(28, 64, 64, 3) + layer(14, 128) + layer(7, 256) + layer(4, 512);
  expect(backboneCost('resnet18', 1).macs).toBe(resnet18);
});

it("runs mobilenetv2's depthwise layers at the resolutions of its block table", () => {
  const backend = new TracingBackend();
  const model = createBackbone('mobilenetv2', { backend }).eval();
  const calls = backend.record(() => ops.noGrad(() => model.forward(ops.zeros([1, 1, 28, 28], { backend }))));
  const depthwise = calls.filter((c) => c.kernel === 'depthwiseConv2d').map(({ args }) => [args.inChannels, args.outHeight]);
  // the hidden channels (input × t) of each block and its output side
  expect(depthwise).toEqual([
    [32, 28],
    [96, 28],
    [144, 28],
    [144, 14],
    [192, 14],
    [192, 14],
    [192, 7],
    [384, 7],
    [384, 7],
    [384, 7],
    [384, 7],
    [576, 7],
    [576, 7],
    [576, 7],
    [960, 7],
    [960, 7],
    [960, 7],
  ]);
});

const ARCHS: [Arch, number][] = [
  ['fmnist-resnet', 128],
  ['resnet18', 512],
  ['mobilenetv2', 1280],
];

it.each(ARCHS)('%s gives h of %i values an image, for one channel or three', (arch, features) => {
  const backend = new TracingBackend();
  for (const inChannels of [1, 3]) {
    const model = createBackbone(arch, { inChannels, backend });
    expect(model.features).toBe(features);
    expect(model.forward(ops.zeros([3, inChannels, 28, 28], { backend })).shape).toEqual([3, features]);
  }
});

describe('forward and backward on the reference and on WebAssembly', () => {
  const reference = new ops.ReferenceBackend();

  /** h of two images and the gradient of Σ h·r (r random) for every parameter. */
  async function pass(backend: Backend, arch: Arch, width: number): Promise<number[][]> {
    const model = createBackbone(arch, { width, backend, generator: new Generator(3) });
    const [h, ...grads] = ops.scope(() => {
      const h = model.forward(ops.randn([2, 1, 28, 28], { backend, seed: 4 }));
      h.mul(ops.randn(h.shape, { backend, seed: 5 }))
        .sum()
        .backward();
      return [h, ...model.parameters().map((p) => p.grad!)];
    });
    const values = await Promise.all([h!, ...grads].map(async (t) => Array.from(await t.data())));
    h!.dispose();
    model.dispose();
    return values;
  }

  it.each([
    ['fmnist-resnet', 0.25],
    ['resnet18', 0.125],
    ['mobilenetv2', 0.25],
  ] as [Arch, number][])('%s at width %d', async (arch, width) => {
    const expected = await pass(reference, arch, width);
    const actual = await pass(wasm, arch, width);
    expect(actual.length).toBe(expected.length);
    // f32 sums in other orders, through BatchNorm at every layer: within 1e-3 of each tensor's scale
    // and 1e-4 of the largest gradient (some, like a bias before BatchNorm, are zero but for rounding)
    const largest = Math.max(...expected.slice(1).map(maxAbs));
    for (const [i, values] of actual.entries()) {
      const scale = maxAbs(expected[i]!);
      const atol = i === 0 ? 1e-3 * scale : Math.max(1e-3 * scale, 1e-4 * largest);
      expectClose(values, expected[i]!, 1e-3, atol, i === 0 ? 'h' : `gradient of parameter ${i - 1}`);
    }
  });
});
