// Max and average pooling, overlapping windows and padding included.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = await testBackends();

const configs: [string, number[], ops.Pool2dOptions][] = [
  ['2×2, stride 2', [2, 3, 8, 6], { kernel: 2 }],
  ['3×3, stride 2, padding 1 (overlapping)', [2, 2, 9, 7], { kernel: 3, stride: 2, padding: 1 }],
  ['3×3, stride 1', [1, 3, 6, 5], { kernel: 3, stride: 1 }],
  ['uneven window', [2, 2, 7, 9], { kernel: [2, 3], stride: [1, 2] }],
  ['many workgroups', [8, 16, 14, 14], { kernel: 2 }],
];

describe.each(cases)('pooling on $name', ({ backend }) => {
  describe.skipIf(!backend).each(configs)('%s', (_, shape, options) => {
    it('max pool', async () => {
      await checkOp(backend!, { inputs: [{ shape, distinct: 1e-3, low: -1 }], fn: (x) => ops.maxPool2d(x, options) });
    });
    it('average pool', async () => {
      await checkOp(backend!, { inputs: [{ shape }], fn: (x) => ops.avgPool2d(x, options) });
    });
  });

  it.skipIf(!backend)('max pool ignores padding even when everything is negative', async () => {
    const x = ops.full([1, 1, 2, 2], -5, { backend: backend! });
    const y = ops.maxPool2d(x, { kernel: 3, stride: 1, padding: 1 });
    expect(await y.toArray()).toEqual([-5, -5, -5, -5]);
  });
});
