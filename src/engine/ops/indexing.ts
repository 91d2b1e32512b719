// Row indexing: gather rows by index and its adjoint, scatter-add rows by index.

import { record } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { checkDType, checkInputs, checkRank, formatShape, sameShape, wholeCopy } from './util.js';

/** out[i, ...] = table[index[i], ...] for an i32 index vector. Indices must be in range. */
export function gather(table: Tensor, index: Tensor): Tensor {
  const backend = checkInputs('gather', table, index);
  checkDType('gather', index, 'i32', 'u32');
  checkRank('gather', 'index', index, 1);
  if (table.rank < 1) throw new Error('gather: table must have at least one axis');
  const cols = table.size / table.shape[0]! || 0;
  const out = Tensor.empty(backend, [index.size, ...table.shape.slice(1)], table.dtype);
  if (out.size > 0) backend.run(KERNELS.gather, { table: table.storage, index: index.storage, out: out.storage, rows: index.size, cols });
  return record('gather', {}, [table, index], out);
}

/** A copy of `dst` with src[i, ...] added to row index[i]; repeated indices accumulate. */
export function scatterAdd(dst: Tensor, index: Tensor, src: Tensor): Tensor {
  const backend = checkInputs('scatterAdd', dst, index, src);
  checkDType('scatterAdd', index, 'i32', 'u32');
  checkRank('scatterAdd', 'index', index, 1);
  if (dst.rank < 1 || !sameShape(src.shape, [index.size, ...dst.shape.slice(1)])) {
    const expected = `[${index.size}, ${dst.shape.slice(1).join(', ')}]`;
    throw new Error(`scatterAdd: src ${formatShape(src.shape)} must be ${expected} for dst ${formatShape(dst.shape)}`);
  }
  const out = Tensor.empty(backend, dst.shape, dst.dtype);
  if (out.size > 0) {
    backend.run(KERNELS.copy, wholeCopy(dst.storage, out.storage, out.size));
    if (src.size > 0) {
      const rows = index.size;
      backend.run(KERNELS.scatterAdd, { dst: out.storage, index: index.storage, src: src.storage, rows, cols: src.size / rows });
    }
  }
  return record('scatterAdd', {}, [dst, index, src], out);
}
