// Batch normalisation: training (batch statistics, running update) and evaluation.
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/index.js';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, expectClose } from '../helpers/oracle.js';

const cases = await testBackends();

function bn(training: boolean, channels: number) {
  return (x: Tensor, gamma: Tensor, beta: Tensor) => {
    const runningMean = ops.full([channels], 0.1, { backend: x.backend });
    const runningVar = ops.full([channels], 2, { backend: x.backend });
    return ops.batchNorm(x, gamma, beta, { training, runningMean, runningVar, momentum: 0.1, eps: 1e-5 });
  };
}

describe.each(cases)('batchNorm on $name', ({ backend }) => {
  it.skipIf(!backend).each([
    ['NCHW, odd sizes', [3, 5, 7, 9]],
    ['many elements per channel', [16, 3, 15, 15]],
    ['[N, C] features', [33, 12]],
    ['[N, C], two rows (the smallest last batch of an epoch)', [2, 12]],
  ])('training: %s', async (_, shape) => {
    const c = shape[1]!;
    await checkOp(backend!, {
      inputs: [{ shape, low: -2, high: 3 }, { shape: [c], low: 0.5, high: 1.5 }, { shape: [c] }],
      fn: bn(true, c),
    });
  });

  it.skipIf(!backend)('evaluation uses the running statistics', async () => {
    await checkOp(backend!, {
      inputs: [{ shape: [4, 6, 5, 5] }, { shape: [6], low: 0.5, high: 1.5 }, { shape: [6] }],
      fn: bn(false, 6),
    });
  });

  it.skipIf(!backend)('training updates the running statistics (unbiased variance)', async () => {
    const values = Array.from({ length: 2 * 2 * 3 }, (_, i) => (i * 7) % 5);
    const x = ops.tensor(values, [2, 2, 3, 1], { backend: backend! });
    const runningMean = ops.zeros([2], { backend: backend! });
    const runningVar = ops.ones([2], { backend: backend! });
    const gamma = ops.ones([2], { backend: backend! });
    const beta = ops.zeros([2], { backend: backend! });
    ops.batchNorm(x, gamma, beta, { training: true, runningMean, runningVar, momentum: 0.25 });
    const channel = (c: number) => [0, 1].flatMap((n) => values.slice((n * 2 + c) * 3, (n * 2 + c) * 3 + 3));
    const expectedMean: number[] = [],
      expectedVar: number[] = [];
    for (const c of [0, 1]) {
      const v = channel(c);
      const mean = v.reduce((a, b) => a + b) / v.length;
      const unbiased = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
      expectedMean.push(0.25 * mean);
      expectedVar.push(0.75 + 0.25 * unbiased);
    }
    expectClose(await runningMean.toArray(), expectedMean, 1e-5, 1e-6, 'running mean');
    expectClose(await runningVar.toArray(), expectedVar, 1e-5, 1e-6, 'running variance');
  });

  it.skipIf(!backend)('normalises each channel to mean 0 and variance 1', async () => {
    const x = ops.randn([8, 3, 6, 6], { backend: backend!, seed: 4, mean: 5, std: 3 });
    const ones = ops.ones([3], { backend: backend! }),
      zeros = ops.zeros([3], { backend: backend! });
    const y = ops.batchNorm(x, ones, zeros, {
      training: true,
      runningMean: ops.zeros([3], { backend: backend! }),
      runningVar: ops.ones([3], { backend: backend! }),
    });
    const mean = await y.mean([0, 2, 3]).toArray();
    const variance = await y.square().mean([0, 2, 3]).toArray();
    expectClose(mean, [0, 0, 0], 0, 1e-5, 'mean');
    expectClose(variance, [1, 1, 1], 1e-3, 0, 'variance');
  });

  it.skipIf(!backend)('names the op and both shapes on a channel mismatch', () => {
    const x = ops.zeros([2, 3, 4, 4], { backend: backend! });
    const wrong = ops.ones([4], { backend: backend! });
    expect(() => ops.batchNorm(x, wrong, wrong, { training: true, runningMean: wrong, runningVar: wrong })).toThrow(
      'batchNorm: gamma [4] must be [3] for input [2, 3, 4, 4]',
    );
  });
});
