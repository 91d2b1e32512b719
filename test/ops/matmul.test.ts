// Matmul (batched, transposed, odd sizes) and linear layers.
import { describe, it } from 'vitest';
import * as ops from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = await testBackends();

const shapes: [string, number[], number[], boolean, boolean][] = [
  ['plain, odd sizes', [37, 53], [53, 29], false, false],
  ['A transposed', [53, 37], [53, 29], true, false],
  ['B transposed', [37, 53], [29, 53], false, true],
  ['both transposed', [53, 37], [29, 53], true, true],
  ['batched', [3, 17, 9], [3, 9, 21], false, false],
  ['batched, B broadcast and transposed', [2, 3, 5, 7], [4, 7], false, true],
  ['A broadcast over batched B', [6, 5], [3, 5, 8], false, false],
  ['many workgroups', [130, 70], [70, 150], false, false],
  ['vector-like', [1, 300], [300, 3], false, false],
];

describe.each(cases)('matmul on $name', ({ backend }) => {
  it.skipIf(!backend).each(shapes)('%s', async (_, aShape, bShape, transA, transB) => {
    await checkOp(backend!, { inputs: [{ shape: aShape }, { shape: bShape }], fn: (a, b) => a.matmul(b, { transA, transB }) });
  });

  it.skipIf(!backend)('linear with bias', async () => {
    await checkOp(backend!, { inputs: [{ shape: [19, 33] }, { shape: [10, 33] }, { shape: [10] }], fn: (x, w, b) => ops.linear(x, w, b) });
  });

  it.skipIf(!backend)('linear without bias', async () => {
    await checkOp(backend!, { inputs: [{ shape: [70, 5] }, { shape: [65, 5] }], fn: (x, w) => ops.linear(x, w) });
  });
});
