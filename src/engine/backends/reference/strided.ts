// Walking N-d index spaces with several strided operands, for the reference kernels.

import type { AxisLayout } from '../../backend.js';

/** Calls fn with each operand's element offset for every index of `shape`, in row-major order. */
export function forEachOffset(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  base: readonly number[],
  fn: (offsets: number[]) => void,
): void {
  const rank = shape.length;
  if (shape.some((dim) => dim === 0)) return;
  const counter = new Array<number>(rank).fill(0);
  const offsets = [...base];
  for (;;) {
    fn(offsets);
    let axis = rank - 1;
    for (; axis >= 0; axis--) {
      counter[axis]!++;
      strides.forEach((s, j) => {
        offsets[j]! += s[axis]!;
      });
      if (counter[axis]! < shape[axis]!) break;
      strides.forEach((s, j) => {
        offsets[j]! -= s[axis]! * shape[axis]!;
      });
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** Calls fn(indices of one [outer, ·, inner] line) for every line along the axis. */
export function forEachLine(l: AxisLayout, fn: (at: (j: number) => number) => void): void {
  for (let o = 0; o < l.outer; o++) {
    for (let i = 0; i < l.inner; i++) fn((j) => (o * l.length + j) * l.inner + i);
  }
}
