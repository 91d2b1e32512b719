// Reductions over any axes: sum, mean, max (values and gradients) and argmax.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp, makeValues, seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();

const reductions: [string, number[], number[] | undefined, boolean][] = [
  ['all axes', [5, 7, 3], undefined, false],
  ['last axis', [9, 130], [1], false],
  ['first axis, kept', [67, 5], [0], true],
  ['middle axes', [3, 11, 13, 2], [1, 2], false],
  ['outer and inner', [4, 3, 5], [0, 2], true],
  ['long reduction', [2, 3000], [1], false],
];

describe.each(cases)('reductions on $name', ({ backend }) => {
  describe.skipIf(!backend).each(reductions)('%s', (_, shape, axes, keepDims) => {
    it('sum', async () => {
      await checkOp(backend!, { inputs: [{ shape }], fn: (x) => x.sum(axes, keepDims) });
    });
    it('mean', async () => {
      await checkOp(backend!, { inputs: [{ shape }], fn: (x) => x.mean(axes, keepDims) });
    });
    it('max', async () => {
      await checkOp(backend!, { inputs: [{ shape, distinct: 1e-3 }], fn: (x) => x.max(axes, keepDims) });
    });
  });

  it.skipIf(!backend)('max shares the gradient among ties', async () => {
    const x = ops.tensor([1, 3, 3, 2], [4], { backend: backend! }).requireGrad();
    const y = ops.scope(() => {
      const m = x.max();
      m.backward();
      return m;
    });
    expect(await y.item()).toBe(3);
    expect(await x.grad!.toArray()).toEqual([0, 0.5, 0.5, 0]);
  });

  it.skipIf(!backend)('argmax returns the first maximum as i32', async () => {
    const shape = [37, 150];
    const values = makeValues({ shape, distinct: 1e-3 }, seededRandom(3));
    values[5 * 150 + 7] = values[5 * 150 + 9] = 1e3; // a tie in row 5: the first wins
    const x = ops.tensor(values, shape, { backend: backend! });
    const rows = ops.argmax(x, 1);
    const cols = ops.argmax(x, 0);
    expect(rows.dtype).toBe('i32');
    const expectedRows = Array.from({ length: 37 }, (_, r) => {
      const row = values.slice(r * 150, (r + 1) * 150);
      return row.indexOf(Math.max(...row));
    });
    const expectedCols = Array.from({ length: 150 }, (_, c) => {
      const col = Array.from({ length: 37 }, (_, r) => values[r * 150 + c]!);
      return col.indexOf(Math.max(...col));
    });
    expect(Array.from(await rows.data())).toEqual(expectedRows);
    expect(Array.from(await cols.data())).toEqual(expectedCols);
  });

  it.skipIf(!backend)('global average pool is a mean over the feature map', async () => {
    await checkOp(backend!, { inputs: [{ shape: [3, 5, 7, 6] }], fn: (x) => ops.globalAvgPool2d(x) });
  });
});
