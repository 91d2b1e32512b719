// Gather rows by index and scatter-add rows by index (repeated indices accumulate).
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = await testBackends();

describe.each(cases)('indexing on $name', ({ backend }) => {
  it.skipIf(!backend)('gather rows, with repeats', async () => {
    await checkOp(backend!, {
      inputs: [{ shape: [11, 7] }, { shape: [9], dtype: 'i32', values: [3, 0, 10, 3, 5, 5, 5, 1, 3] }],
      fn: (table, index) => table.gather(index),
    });
  });

  it.skipIf(!backend)('gather rows of a rank-3 table', async () => {
    await checkOp(backend!, {
      inputs: [{ shape: [6, 4, 3] }, { shape: [4], dtype: 'i32', values: [5, 0, 2, 2] }],
      fn: (table, index) => table.gather(index),
    });
  });

  it.skipIf(!backend)('scatter-add rows, with repeats', async () => {
    await checkOp(backend!, {
      inputs: [{ shape: [8, 5] }, { shape: [6], dtype: 'i32', values: [7, 2, 7, 0, 2, 7] }, { shape: [6, 5] }],
      fn: (dst, index, src) => ops.scatterAdd(dst, index, src),
    });
  });

  it.skipIf(!backend)('gathers integer labels', async () => {
    const labels = ops.tensor(new Int32Array([4, 8, 15, 16, 23, 42]), [6, 1], { backend: backend! });
    const picked = labels.gather(ops.tensor(new Int32Array([5, 0, 3]), [3], { backend: backend! }));
    expect(picked.dtype).toBe('i32');
    expect(Array.from(await picked.data())).toEqual([42, 4, 16]);
  });
});
