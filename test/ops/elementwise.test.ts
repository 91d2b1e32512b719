// Elementwise ops with broadcasting, against the f64 reference and finite differences.
import { describe, it } from 'vitest';
import type { Tensor } from '../../src/index.js';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, type InputSpec } from '../helpers/oracle.js';

const cases = await testBackends();

const unary: [string, (x: Tensor) => Tensor, Partial<InputSpec>][] = [
  ['neg', (x) => x.neg(), {}],
  ['exp', (x) => x.exp(), { low: -3, high: 3 }],
  ['log', (x) => x.log(), { low: 0.1, high: 5 }],
  ['sqrt', (x) => x.sqrt(), { low: 0.1, high: 5 }],
  ['rsqrt', (x) => x.rsqrt(), { low: 0.2, high: 5 }],
  ['square', (x) => x.square(), {}],
  ['abs', (x) => x.abs(), { awayFromZero: 0.01 }],
  ['relu', (x) => x.relu(), { awayFromZero: 0.01 }],
  ['pow 2.5', (x) => x.pow(2.5), { low: 0.1, high: 3 }],
  ['pow 3 of negatives', (x) => x.pow(3), { low: -2, high: 2 }],
  ['pow -1', (x) => x.pow(-1), { low: 0.5, high: 2 }],
  ['add scalar', (x) => x.add(1.5), {}],
  ['sub scalar', (x) => x.sub(0.25), {}],
  ['mul scalar', (x) => x.mul(-3), {}],
  ['div scalar', (x) => x.div(7), {}],
];

const broadcasts: [string, number[], number[]][] = [
  ['same shape, odd sizes', [33, 65], [33, 65]],
  ['row vector', [17, 9], [9]],
  ['column against row', [5, 1], [1, 7]],
  ['rank 3 against rank 2', [3, 1, 5], [4, 5]],
  ['scalar tensor', [6, 4], []],
  ['many workgroups', [3, 130, 70], [130, 1]],
];

const binary: [string, (a: Tensor, b: Tensor) => Tensor, Partial<InputSpec>][] = [
  ['add', (a, b) => a.add(b), {}],
  ['sub', (a, b) => a.sub(b), {}],
  ['mul', (a, b) => a.mul(b), {}],
  ['div', (a, b) => a.div(b), { awayFromZero: 0.3 }],
  ['maximum', (a, b) => a.maximum(b), {}],
  ['minimum', (a, b) => a.minimum(b), {}],
];

describe.each(cases)('elementwise on $name', ({ backend }) => {
  describe.skipIf(!backend).each(unary)('%s', (_, fn, spec) => {
    it('matches the reference on an odd shape, with finite-difference gradients', async () => {
      await checkOp(backend!, { inputs: [{ shape: [7, 13, 3], ...spec }], fn });
    });
  });

  describe.skipIf(!backend).each(binary)('%s', (name, fn, spec) => {
    it.each(broadcasts)('%s', async (_, aShape, bShape) => {
      // maximum/minimum need distinct values so the winner is never a tie within h
      const distinct = name === 'maximum' || name === 'minimum';
      await checkOp(backend!, {
        inputs: [
          { shape: aShape, ...(distinct ? { distinct: 0.01, low: -3 } : {}) },
          { shape: bShape, ...spec, ...(distinct ? { distinct: 0.013, low: -2.995 } : {}) },
        ],
        fn,
      });
    });
  });

  it.skipIf(!backend)('compares and casts', async () => {
    const a = ops.tensor([1, 2, 3, 4], [4], { backend: backend! });
    const b = ops.tensor([2, 2, 2, 2], [4], { backend: backend! });
    const { expect } = await import('vitest');
    expect(await ops.greater(a, b).toArray()).toEqual([0, 0, 1, 1]);
    expect(await ops.equal(a, b).toArray()).toEqual([0, 1, 0, 0]);
    const c = ops.tensor([-1.7, 2.9, 3], [3], { backend: backend! }).cast('i32');
    expect(c.dtype).toBe('i32');
    expect(Array.from(await c.data())).toEqual([-1, 2, 3]);
    expect(await c.cast('f32').toArray()).toEqual([-1, 2, 3]);
  });
});
