// Conv2d forward and both gradients: stride, padding, groups, depthwise, odd sizes.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = await testBackends();

const configs: [string, number[], number[], ops.Conv2dOptions][] = [
  ['3×3, padding 1', [2, 3, 9, 7], [5, 3, 3, 3], { padding: 1 }],
  ['3×3, stride 2, padding 1', [2, 4, 9, 8], [6, 4, 3, 3], { stride: 2, padding: 1 }],
  ['1×1, stride 2 (a shortcut)', [3, 5, 7, 7], [4, 5, 1, 1], { stride: 2 }],
  ['5×5, padding 2, odd sizes', [1, 2, 11, 13], [3, 2, 5, 5], { padding: 2 }],
  ['stride 3 over a 2×2 kernel: phases no tap reaches', [1, 2, 8, 7], [3, 2, 2, 2], { stride: 3, padding: 1 }],
  ['no padding, uneven stride', [2, 3, 10, 9], [2, 3, 3, 2], { stride: [2, 3] }],
  ['groups of 2', [2, 4, 6, 6], [6, 2, 3, 3], { padding: 1, groups: 2 }],
  ['depthwise', [2, 4, 7, 7], [4, 1, 3, 3], { padding: 1, groups: 4 }],
  ['depthwise with multiplier, stride 2', [1, 3, 8, 8], [6, 1, 3, 3], { padding: 1, stride: 2, groups: 3 }],
  ['many workgroups', [4, 8, 15, 15], [70, 8, 3, 3], { padding: 1 }],
];

describe.each(cases)('conv2d on $name', ({ backend }) => {
  it.skipIf(!backend).each(configs)('%s', async (_, xShape, wShape, options) => {
    await checkOp(backend!, { inputs: [{ shape: xShape }, { shape: wShape }], fn: (x, w) => ops.conv2d(x, w, options) });
  });

  it.skipIf(!backend)('with a bias', async () => {
    await checkOp(backend!, {
      inputs: [{ shape: [2, 3, 5, 5] }, { shape: [4, 3, 3, 3] }, { shape: [4] }],
      fn: (x, w, b) => ops.conv2d(x, w, { padding: 1, bias: b }),
    });
  });

  it.skipIf(!backend)('a hand-computed case: padding and stride at the edges', async () => {
    const x = ops.tensor(
      [
        [
          [
            [1, 2, 3],
            [4, 5, 6],
            [7, 8, 9],
          ],
        ],
      ],
      undefined,
      { backend: backend! },
    );
    const w = ops.tensor(
      [
        [
          [
            [1, 0],
            [0, -1],
          ],
        ],
      ],
      undefined,
      { backend: backend! },
    );
    const y = ops.conv2d(x, w, { stride: 2, padding: 1 });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    // windows at (-1,-1), (-1,1), (1,-1), (1,1): only their in-range taps count
    expect(await y.toArray()).toEqual([-1, -3, -7, -4]);
  });
});
