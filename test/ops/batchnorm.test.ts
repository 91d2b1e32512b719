// Batch normalisation: training (batch statistics, running update) and evaluation, and its
// fused tails (+ a residual, ReLU or ReLU6), held to the unfused ops they replace.
import { describe, expect, it } from 'vitest';
import type { Activation, Tensor } from '../../src/index.js';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, expectClose } from '../helpers/oracle.js';

const cases = await testBackends();

interface Tail {
  activation?: Activation;
  residual?: boolean;
}

function bn(training: boolean, channels: number, tail: Tail = {}) {
  return (x: Tensor, gamma: Tensor, beta: Tensor, residual?: Tensor) => {
    const runningMean = ops.full([channels], 0.1, { backend: x.backend });
    const runningVar = ops.full([channels], 2, { backend: x.backend });
    const options = { training, runningMean, runningVar, momentum: 0.1, eps: 1e-5, activation: tail.activation };
    return ops.batchNorm(x, gamma, beta, tail.residual ? { ...options, residual } : options);
  };
}

/** The same as bn(…, tail) by separate ops: batch norm, then add, then the activation. */
function unfused(training: boolean, channels: number, tail: Tail) {
  return (x: Tensor, gamma: Tensor, beta: Tensor, residual?: Tensor) => {
    let y = bn(training, channels)(x, gamma, beta);
    if (tail.residual) y = y.add(residual!);
    return tail.activation === 'relu' ? y.relu() : tail.activation === 'relu6' ? ops.relu6(y) : y;
  };
}

const TAILS: [string, Tail][] = [
  ['ReLU', { activation: 'relu' }],
  ['ReLU6', { activation: 'relu6' }],
  ['+ residual', { residual: true }],
  ['+ residual, ReLU', { residual: true, activation: 'relu' }],
  ['+ residual, ReLU6', { residual: true, activation: 'relu6' }],
];

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

  it.skipIf(!backend).each(TAILS.flatMap(([name, tail]) => [true, false].map((training) => [name, training, tail] as const)))(
    'fused tail %s (training %s): forward and gradients of x, gamma, beta and the residual',
    async (_, training, tail) => {
      const shape = [4, 5, 7, 9];
      await checkOp(backend!, {
        // γ of 2 to 5 takes outputs past 6, where ReLU6 is flat
        inputs: [{ shape, low: -2, high: 3 }, { shape: [5], low: 2, high: 5 }, { shape: [5] }, { shape }].slice(0, tail.residual ? 4 : 3),
        fn: bn(training, 5, tail),
      });
    },
  );

  it.skipIf(!backend).each(TAILS)('fused tail %s equals batch norm, add and the activation as separate ops', async (_, tail) => {
    const b = backend!;
    const shape = [6, 3, 5, 5];
    const leaves = () => [
      ops.randn(shape, { backend: b, seed: 1 }).requireGrad(),
      ops.rand([3], { backend: b, seed: 2, low: 2, high: 5 }).requireGrad(),
      ops.randn([3], { backend: b, seed: 3 }).requireGrad(),
      ops.randn(shape, { backend: b, seed: 4 }).requireGrad(),
    ];
    const weights = ops.randn(shape, { backend: b, seed: 5 });
    const run = async (fn: ReturnType<typeof bn>) => {
      const inputs = leaves();
      const y = fn(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]);
      y.mul(weights).sum().backward();
      const grads = await Promise.all(inputs.slice(0, tail.residual ? 4 : 3).map((t) => t.grad!.toArray()));
      return [await y.toArray(), ...grads];
    };
    const [fused, separate] = [await run(bn(true, 3, tail)), await run(unfused(true, 3, tail))];
    for (const [i, values] of fused.entries()) {
      expectClose(values, separate[i]!, 1e-5, 1e-6, i === 0 ? 'output' : `gradient of input ${i - 1}`);
    }
  });

  it.skipIf(!backend)('names the op and both shapes when the residual does not match the input', () => {
    const x = ops.zeros([2, 3, 4, 4], { backend: backend! });
    const ones = ops.ones([3], { backend: backend! });
    const residual = ops.zeros([2, 3, 4, 5], { backend: backend! });
    expect(() => ops.batchNorm(x, ones, ones, { training: true, runningMean: ones, runningVar: ones, residual })).toThrow(
      "batchNorm: residual [2, 3, 4, 5] must be the input's shape [2, 3, 4, 4]",
    );
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
