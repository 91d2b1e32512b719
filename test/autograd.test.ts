// The tape: accumulation, no-grad, scopes and aliasing, on the reference backend.
import { describe, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import { keep, noGrad, ReferenceBackend, scope } from '../src/index.js';

const backend = new ReferenceBackend();
const t = (data: number[], shape?: number[]) => ops.tensor(data, shape, { backend });

describe('autograd', () => {
  it('accumulates gradients across backward calls, and zeroGrad-style reset by dispose', async () => {
    const x = t([1, 2, 3]).requireGrad();
    scope(() => x.mul(x).sum().backward());
    scope(() => x.mul(3).sum().backward());
    expect(await x.grad!.toArray()).toEqual([5, 7, 9]); // 2x + 3
  });

  it('sums the gradient of a tensor used twice, including g passed straight through', async () => {
    const x = t([1, -2]).requireGrad();
    scope(() => x.add(x).add(x.mul(x)).sum().backward());
    expect(await x.grad!.toArray()).toEqual([4, -2]); // 2 + 2x
  });

  it('skips the gradients of inputs that need none (data, frozen weights)', async () => {
    const counting = new ReferenceBackend();
    const calls: string[] = [];
    const counted = new Set(['conv2dBackwardInput', 'conv2dBackwardWeight', 'matmul']);
    const run = counting.run.bind(counting);
    counting.run = (kernel, args) => {
      if (counted.has(kernel.name)) calls.push(kernel.name);
      run(kernel, args);
    };
    const image = ops.randn([1, 1, 4, 4], { backend: counting });
    const filter = ops.randn([2, 1, 3, 3], { backend: counting }).requireGrad();
    const frozen = ops.randn([4, 32], { backend: counting });
    scope(() =>
      frozen
        .matmul(ops.conv2d(image, filter, { padding: 1 }).reshape([32, 1]))
        .sum()
        .backward(),
    );
    // the forward matmul, then only the gradients that reach filter: no dgrad of image, no frozen gradient
    expect(calls).toEqual(['matmul', 'matmul', 'conv2dBackwardWeight']);
    expect(image.grad).toBeNull();
    expect(frozen.grad).toBeNull();
    expect(filter.grad!.shape).toEqual([2, 1, 3, 3]);
  });

  it('records nothing under noGrad', () => {
    const x = t([1, 2]).requireGrad();
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(() => y.sum().backward()).toThrow('does not require grad');
  });

  it('detach cuts the tape', async () => {
    const x = t([3]).requireGrad();
    scope(() => x.mul(x.detach()).sum().backward());
    expect(await x.grad!.toArray()).toEqual([3]);
  });

  it('backward from a non-scalar needs its gradient, of the same shape', async () => {
    const x = t([1, 2, 3]).requireGrad();
    const y = x.mul(2);
    expect(() => y.backward()).toThrow('is not a scalar');
    expect(() => y.backward(t([1, 1]))).toThrow('gradient [2] does not match output [3]');
    y.backward(t([1, 0, -1]));
    expect(await x.grad!.toArray()).toEqual([2, 0, -2]);
  });

  it('scope frees intermediates but keeps what it returns and what is kept', () => {
    const before = backend.memory().liveBuffers;
    const x = t([1, 2]);
    let kept: ops.Tensor | null = null;
    const result = scope(() => {
      const a = x.add(1);
      const b = a.mul(2);
      kept = keep(b.exp());
      return { b, list: [a.neg()] };
    });
    expect(result.b.disposed).toBe(false);
    expect(result.list[0]!.disposed).toBe(false);
    expect(kept!.disposed).toBe(false);
    expect(backend.memory().liveBuffers).toBe(before + 4); // x, b, a.neg(), kept
    result.b.dispose();
    result.list[0]!.dispose();
    kept!.dispose();
    x.dispose();
    expect(backend.memory().liveBuffers).toBe(before);
  });

  it('scope disposes everything when fn throws', () => {
    const before = backend.memory().liveBuffers;
    expect(() =>
      scope(() => {
        t([1]).add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(backend.memory().liveBuffers).toBe(before);
  });

  it('reshape aliases share storage until the last one is disposed', async () => {
    const before = backend.memory().liveBuffers;
    const x = t([1, 2, 3, 4]);
    const y = x.reshape([2, 2]);
    x.dispose();
    expect(await y.toArray()).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(backend.memory().liveBuffers).toBe(before);
  });
});
