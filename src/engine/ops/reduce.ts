// Reductions over any set of axes: sum, mean, max, argmax.

import { record } from '../autograd/tape.js';
import type { ReduceOp } from '../backend.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { mulScalar } from './elementwise.js';
import { checkDType, checkInputs, contiguousStrides, normalizeAxes, normalizeAxis, simplifyLayout } from './util.js';

/** The output shape of reducing `axes`, with or without the reduced axes kept as 1. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((dim, i) => (axes.includes(i) ? 1 : dim)) : shape.filter((_, i) => !axes.includes(i));
}

function reduceKernel(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const backend = checkInputs(op, x);
  checkDType(op, x, 'f32');
  const strides = contiguousStrides(x.shape);
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const reducedCount = axes.reduce((count, axis) => count * x.shape[axis]!, 1);
  if (reducedCount === 0 && op !== 'sum') throw new Error(`${op}: cannot reduce over an empty axis of ${x}`);
  const out = Tensor.empty(backend, reducedShape(x.shape, axes, keepDims), op === 'argmax' ? 'i32' : 'f32');
  if (out.size === 0) return out;
  const kept = simplifyLayout(
    keptAxes.map((i) => x.shape[i]!),
    [keptAxes.map((i) => strides[i]!)],
  );
  const reduced = simplifyLayout(
    axes.map((i) => x.shape[i]!),
    [axes.map((i) => strides[i]!)],
  );
  backend.run(KERNELS.reduce, {
    op,
    x: x.storage,
    out: out.storage,
    keptShape: kept.shape,
    keptStrides: kept.strides[0]!,
    reducedShape: reduced.shape,
    reducedStrides: reduced.strides[0]!,
  });
  return out;
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const list = normalizeAxes('sum', axes, x.rank);
  return record('sum', { axes: list }, [x], reduceKernel('sum', x, list, keepDims));
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const list = normalizeAxes('mean', axes, x.rank);
  const count = list.reduce((n, axis) => n * x.shape[axis]!, 1);
  const total = sum(x, list, keepDims);
  const result = mulScalar(total, 1 / count);
  total.dispose();
  return result;
}

/** Maximum over `axes`; the gradient is shared equally among tied maxima. */
export function max(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const list = normalizeAxes('max', axes, x.rank);
  return record('max', { axes: list }, [x], reduceKernel('max', x, list, keepDims));
}

/** Index (i32) of the first maximum along `axis`; no gradient. */
export function argmax(x: Tensor, axis: number): Tensor {
  return reduceKernel('argmax', x, [normalizeAxis('argmax', axis, x.rank)], false);
}

/**
 * The k largest entries of each row of a matrix [rows, cols] and their column indices (i32),
 * each [rows, k], in no particular order; which of several equal entries is taken is not
 * specified. No gradient. The kNN vote's neighbours, found without reading the matrix back.
 */
export function topK(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const backend = checkInputs('topK', x);
  checkDType('topK', x, 'f32');
  if (x.rank !== 2) throw new Error(`topK: expected a matrix [rows, cols], got ${x}`);
  const [rows, cols] = x.shape as [number, number];
  if (!Number.isInteger(k) || k < 1 || k > cols) throw new Error(`topK: k must be an integer in [1, ${cols}] for ${x}, got ${k}`);
  const values = Tensor.empty(backend, [rows, k], 'f32'),
    indices = Tensor.empty(backend, [rows, k], 'i32');
  if (rows > 0) backend.run(KERNELS.topK, { s: x.storage, values: values.storage, indices: indices.storage, rows, cols, k });
  return { values, indices };
}
