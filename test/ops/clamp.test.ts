// clamp and ReLU6: forward against the f64 reference, gradients against it and finite differences.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, makeValues, seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();

/** Values spread over [low − 2, high + 2], none within 0.01 of a bound: the gradient's kink. */
function awayFromBounds(shape: number[], low: number, high: number): number[] {
  const values = makeValues({ shape, low: low - 2, high: high + 2 }, seededRandom(7));
  return values.map((v) => (Math.abs(v - low) < 0.01 || Math.abs(v - high) < 0.01 ? v + 0.02 : v));
}

const ranges: [string, number[], number, number][] = [
  ['ReLU6 on an odd shape (scalar tails)', [7, 13, 3], 0, 6],
  ['a narrow range around zero', [5, 9], -0.5, 0.25],
  ['many workgroups and both threads', [3, 130, 71], -1, 2],
];

describe.each(cases)('clamp on $name', ({ backend }) => {
  it.skipIf(!backend).each(ranges)('%s', async (_, shape, low, high) => {
    await checkOp(backend!, {
      inputs: [{ shape, values: awayFromBounds(shape, low, high) }],
      fn: (x) => (low === 0 && high === 6 ? ops.relu6(x) : x.clamp(low, high)),
    });
  });

  it.skipIf(!backend)('passes the gradient strictly inside the range, and the bounds themselves', async () => {
    const x = ops.tensor([-1, 0, 3, 6, 7], [5], { backend: backend! }).requireGrad();
    const y = ops.relu6(x);
    y.sum().backward();
    expect(await y.toArray()).toEqual([0, 0, 3, 6, 6]);
    expect(await x.grad!.toArray()).toEqual([0, 0, 1, 0, 0]);
  });

  it.skipIf(!backend)('nn.ReLU6 is relu6', async () => {
    const x = ops.tensor([-2, 0.5, 9], [3], { backend: backend! });
    expect(await new ops.nn.ReLU6().forward(x).toArray()).toEqual([0, 0.5, 6]);
  });
});

it('refuses an empty or infinite range', () => {
  const x = ops.zeros([2], { backend: new ops.ReferenceBackend() });
  expect(() => x.clamp(1, 0)).toThrow('clamp: [1, 0] is not a range of finite numbers');
  expect(() => x.clamp(0, Infinity)).toThrow('clamp: [0, Infinity] is not a range of finite numbers');
});
