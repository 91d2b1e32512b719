// Reshape, transpose, slice, concat, broadcastTo.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = await testBackends();

describe.each(cases)('layout ops on $name', ({ backend }) => {
  it.skipIf(!backend)('reshape shares storage and keeps gradients', async () => {
    await checkOp(backend!, { inputs: [{ shape: [6, 35] }], fn: (x) => x.reshape([5, -1, 3]).mul(x.reshape([5, 14, 3])) });
  });

  it.skipIf(!backend).each([
    ['matrix', [37, 29], [1, 0]],
    ['rank 4', [2, 3, 5, 7], [0, 2, 3, 1]],
    ['rank 3 reversed', [9, 4, 11], [2, 1, 0]],
    ['many workgroups', [3, 130, 70], [1, 0, 2]],
  ])('transpose %s', async (_, shape, perm) => {
    await checkOp(backend!, { inputs: [{ shape }], fn: (x) => x.transpose(perm) });
  });

  it.skipIf(!backend).each([
    ['inner block', [7, 9, 5], [2, 3, 1], [3, 4, 3]],
    ['to the end', [6, 10], [1, 4], [-1, -1]],
    ['one row', [5, 40], [3, 0], [1, 40]],
  ])('slice %s', async (_, shape, starts, sizes) => {
    await checkOp(backend!, { inputs: [{ shape }], fn: (x) => x.slice(starts, sizes) });
  });

  it.skipIf(!backend).each([
    [
      'axis 0',
      [
        [3, 4],
        [5, 4],
        [1, 4],
      ],
      0,
    ],
    [
      'axis 1 of rank 3',
      [
        [2, 3, 5],
        [2, 1, 5],
        [2, 4, 5],
      ],
      1,
    ],
    [
      'last axis',
      [
        [3, 2],
        [3, 7],
      ],
      -1,
    ],
  ])('concat along %s', async (_, shapes, axis) => {
    await checkOp(backend!, { inputs: shapes.map((shape) => ({ shape })), fn: (...xs) => ops.concat(xs, axis) });
  });

  it.skipIf(!backend)('broadcastTo', async () => {
    await checkOp(backend!, { inputs: [{ shape: [3, 1, 5] }], fn: (x) => ops.broadcastTo(x, [2, 3, 4, 5]) });
  });

  it.skipIf(!backend)('errors name the op and the shapes', () => {
    const x = ops.zeros([2, 3], { backend: backend! });
    expect(() => x.reshape([4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 elements) to [4, 2]');
    expect(() => x.slice([1, 0], [2, 3])).toThrow('slice: start 1 size 2 is outside axis 0 of [2, 3]');
    expect(() => x.transpose([0, 0])).toThrow('transpose: [0, 0] is not a permutation of the axes of [2, 3]');
    expect(() => ops.concat([x, ops.zeros([2, 4], { backend: backend! })], 0)).toThrow(
      'concat: f32[2, 4] does not match f32[2, 3] outside axis 0',
    );
  });
});
