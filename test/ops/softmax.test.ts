// Softmax, log-softmax, L2 normalisation along an axis, and cross-entropy.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, expectClose } from '../helpers/oracle.js';

const cases = await testBackends();

const axes: [string, number[], number][] = [
  ['last axis', [13, 37], -1],
  ['first axis', [29, 6], 0],
  ['middle axis', [3, 17, 5], 1],
  ['a long line', [3, 2000], 1],
];

describe.each(cases)('softmax family on $name', ({ backend }) => {
  describe.skipIf(!backend).each(axes)('%s', (_, shape, axis) => {
    it('softmax', async () => {
      await checkOp(backend!, { inputs: [{ shape, low: -4, high: 4 }], fn: (x) => x.softmax(axis) });
    });
    it('log-softmax', async () => {
      await checkOp(backend!, { inputs: [{ shape, low: -4, high: 4 }], fn: (x) => x.logSoftmax(axis) });
    });
    it('L2 normalise', async () => {
      await checkOp(backend!, { inputs: [{ shape }], fn: (x) => x.l2Normalize(axis) });
    });
  });

  it.skipIf(!backend).each([[[13, 37]], [[3, 5, 128]], [[7, 1]]])('blend and L2 normalise rows %j', async (shape) => {
    await checkOp(backend!, { inputs: [{ shape }, { shape }], fn: (x, y) => ops.blendNormalize(x, y, 0.5, -0.25) });
    // the same as the three ops it fuses
    const x = ops.randn(shape, { backend: backend!, seed: 1 }),
      y = ops.randn(shape, { backend: backend!, seed: 2 });
    const fused = ops.blendNormalize(x, y, 0.3, 0.7),
      composed = x.mul(0.3).add(y.mul(0.7)).l2Normalize(-1);
    expectClose(await fused.data(), await composed.data(), 1e-5, 1e-6, 'blendNormalize against mul, add, l2Normalize');
    for (const t of [x, y, fused, composed]) t.dispose();
  });

  it.skipIf(!backend)('blendNormalize names itself and both shapes when they differ', () => {
    const x = ops.zeros([2, 3], { backend: backend! }),
      y = ops.zeros([3, 2], { backend: backend! });
    expect(() => ops.blendNormalize(x, y, 1, 1)).toThrow('blendNormalize: shapes [2, 3] and [3, 2] differ');
    x.dispose();
    y.dispose();
  });

  it.skipIf(!backend)('softmax is stable for large logits', async () => {
    const y = ops.tensor([[1000, 1001, 1002]], undefined, { backend: backend! }).softmax();
    const values = await y.toArray();
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values[2]).toBeCloseTo(0.66524, 4);
  });

  it.skipIf(!backend).each([
    ['10 classes', 17, 10],
    ['many classes', 5, 1500],
  ])('cross-entropy, %s', async (_, rows, classes) => {
    const targets = Array.from({ length: rows }, (_, i) => (i * 7) % classes);
    await checkOp(backend!, {
      inputs: [
        { shape: [rows, classes], low: -3, high: 3 },
        { shape: [rows], dtype: 'i32', values: targets },
      ],
      fn: (logits, t) => ops.crossEntropy(logits, t),
    });
  });
});
