// Row gather and deterministic scatter-add.

import type { EngineArgs } from '../../kernels.js';
import { checkRow, type ReferenceContext } from './context.js';

export function gather({ data }: ReferenceContext, { table, index, out, rows, cols }: EngineArgs<'gather'>): void {
  const t = data(table),
    idx = data(index),
    o = data(out),
    tableRows = table.size / cols;
  for (let r = 0; r < rows; r++) {
    const row = checkRow('gather', idx[r]!, tableRows);
    for (let c = 0; c < cols; c++) o[r * cols + c] = t[row * cols + c]!;
  }
}

export function scatterAdd({ data }: ReferenceContext, { dst, index, src, rows, cols }: EngineArgs<'scatterAdd'>): void {
  const d = data(dst),
    idx = data(index),
    s = data(src),
    dstRows = dst.size / cols;
  for (let r = 0; r < rows; r++) {
    const row = checkRow('scatterAdd', idx[r]!, dstRows);
    for (let c = 0; c < cols; c++) d[row * cols + c]! += s[r * cols + c]!;
  }
}
