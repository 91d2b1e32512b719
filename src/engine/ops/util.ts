// Shared helpers of the op layer: input checks, axes, strides and broadcasting.

import type { Backend, DType, Storage } from '../backend.js';
import type { EngineArgs } from '../kernels.js';
import type { Tensor } from '../tensor.js';

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks that every input is alive and on one backend; returns that backend. */
export function checkInputs(op: string, ...inputs: Tensor[]): Backend {
  const backend = inputs[0]!.backend;
  inputs.forEach((input, i) => {
    if (input.disposed) throw new Error(`${op}: input ${i} (${input}) was disposed`);
    if (input.backend !== backend) {
      throw new Error(`${op}: inputs live on different backends (${backend.name} and ${input.backend.name})`);
    }
  });
  return backend;
}

export function checkDType(op: string, tensor: Tensor, ...allowed: DType[]): void {
  if (!allowed.includes(tensor.dtype)) {
    throw new Error(`${op}: expected a ${allowed.join(' or ')} tensor, got ${tensor.dtype}${formatShape(tensor.shape)}`);
  }
}

export function checkRank(op: string, name: string, tensor: Tensor, rank: number): void {
  if (tensor.rank !== rank) {
    throw new Error(`${op}: ${name} must have rank ${rank}, got shape ${formatShape(tensor.shape)}`);
  }
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, de-duplicated, non-negative axes; undefined means all. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : axes;
  return [...new Set(list.map((axis) => normalizeAxis(op, axis, rank)))].sort((a, b) => a - b);
}

/** The copy kernel's arguments for all `size` elements of src into dst, both contiguous. */
export function wholeCopy(src: Storage, dst: Storage, size: number): EngineArgs<'copy'> {
  return { src, dst, shape: [size], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] };
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` (right-aligned) as if broadcast to `target`: 0 on broadcast axes. */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const offset = target.length - shape.length;
  return target.map((_, i) => {
    const axis = i - offset;
    return axis < 0 || shape[axis] === 1 ? 0 : own[axis]!;
  });
}

/**
 * Drops size-1 axes and merges neighbours that every operand walks contiguously,
 * so kernels do fewer index divisions. Returns the shape and each operand's strides.
 */
export function simplifyLayout(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    const dim = shape[axis]!;
    if (dim === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, j) => outStrides[j]![last] === s[axis]! * dim);
    if (mergeable) {
      outShape[last]! *= dim;
      for (const [j, s] of strides.entries()) outStrides[j]![last] = s[axis]!;
    } else {
      outShape.push(dim);
      for (const [j, s] of strides.entries()) outStrides[j]!.push(s[axis]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}
