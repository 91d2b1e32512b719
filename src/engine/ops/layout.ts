// Layout ops: reshape (a view), transpose, slice and concat (strided copies).

import { record } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { shapeSize, Tensor } from '../tensor.js';
import { checkInputs, contiguousStrides, formatShape, normalizeAxis, sameShape, simplifyLayout } from './util.js';

/** The same values in another shape; one dimension may be -1. Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkInputs('reshape', x);
  const inferred = shape.indexOf(-1);
  const target = [...shape];
  if (inferred >= 0) {
    const known = shapeSize(shape.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    target[inferred] = x.size / known;
  }
  if (shapeSize(target) !== x.size || target.some((dim) => !Number.isInteger(dim) || dim < 0)) {
    throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  }
  return record('reshape', {}, [x], x.view(target));
}

/** Copies the region of `x` at `srcOffset` with `shape` and strides into `dst` at `dstOffset`. */
export function copyRegion(
  x: Tensor,
  dst: Tensor,
  shape: readonly number[],
  srcOffset: number,
  srcStrides: readonly number[],
  dstOffset: number,
  dstStrides: readonly number[],
): void {
  if (shapeSize(shape) === 0) return;
  const simple = simplifyLayout(shape, [srcStrides, dstStrides]);
  x.backend.run(KERNELS.copy, {
    src: x.storage,
    dst: dst.storage,
    shape: simple.shape,
    srcOffset,
    srcStrides: simple.strides[0]!,
    dstOffset,
    dstStrides: simple.strides[1]!,
  });
}

/** Permutes the axes (reverses them by default). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const backend = checkInputs('transpose', x);
  const order = perm ? perm.map((axis) => normalizeAxis('transpose', axis, x.rank)) : [...x.shape.keys()].reverse();
  if (order.length !== x.rank || new Set(order).size !== x.rank) {
    throw new Error(`transpose: [${perm?.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  const shape = order.map((axis) => x.shape[axis]!);
  const strides = contiguousStrides(x.shape);
  const out = Tensor.empty(backend, shape, x.dtype);
  copyRegion(
    x,
    out,
    shape,
    0,
    order.map((axis) => strides[axis]!),
    0,
    contiguousStrides(shape),
  );
  return record('transpose', { perm: order }, [x], out);
}

/** The block of `sizes` starting at `starts`; a size of -1 runs to the end of that axis. */
export function slice(x: Tensor, starts: readonly number[], sizes: readonly number[]): Tensor {
  const backend = checkInputs('slice', x);
  if (starts.length !== x.rank || sizes.length !== x.rank) {
    throw new Error(
      `slice: starts [${starts.join(', ')}] and sizes [${sizes.join(', ')}] need one entry per axis of ${formatShape(x.shape)}`,
    );
  }
  const shape = sizes.map((size, i) => (size === -1 ? x.shape[i]! - starts[i]! : size));
  shape.forEach((size, i) => {
    if (starts[i]! < 0 || size < 0 || starts[i]! + size > x.shape[i]!) {
      throw new Error(`slice: start ${starts[i]} size ${size} is outside axis ${i} of ${formatShape(x.shape)}`);
    }
  });
  const strides = contiguousStrides(x.shape);
  const offset = starts.reduce((sum, start, i) => sum + start * strides[i]!, 0);
  const out = Tensor.empty(backend, shape, x.dtype);
  copyRegion(x, out, shape, offset, strides, 0, contiguousStrides(shape));
  return record('slice', { starts: [...starts] }, [x], out);
}

/** Joins tensors along `axis`; all other axes must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const backend = checkInputs('concat', ...tensors);
  const first = tensors[0]!;
  const dim = normalizeAxis('concat', axis, first.rank);
  for (const t of tensors) {
    const other = t.shape.map((size, i) => (i === dim ? 0 : size));
    if (
      t.dtype !== first.dtype ||
      !sameShape(
        other,
        first.shape.map((size, i) => (i === dim ? 0 : size)),
      )
    ) {
      throw new Error(
        `concat: ${t.dtype}${formatShape(t.shape)} does not match ${first.dtype}${formatShape(first.shape)} outside axis ${dim}`,
      );
    }
  }
  const shape = first.shape.map((size, i) => (i === dim ? tensors.reduce((sum, t) => sum + t.shape[dim]!, 0) : size));
  const out = Tensor.empty(backend, shape, first.dtype);
  const outStrides = contiguousStrides(shape);
  let start = 0;
  for (const t of tensors) {
    copyRegion(t, out, t.shape, 0, contiguousStrides(t.shape), start * outStrides[dim]!, outStrides);
    start += t.shape[dim]!;
  }
  return record('concat', { axis: dim }, [...tensors], out);
}
