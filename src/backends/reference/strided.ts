// Walking N-d index spaces with several strided operands, for the reference kernels.

/** Calls fn with each operand's element offset for every index of `shape`, in row-major order. */
export function forEachOffset(shape: readonly number[], strides: readonly (readonly number[])[], base: readonly number[], fn: (offsets: number[]) => void): void {
  const rank = shape.length;
  if (shape.some((dim) => dim === 0)) return;
  const counter = new Array<number>(rank).fill(0);
  const offsets = [...base];
  for (;;) {
    fn(offsets);
    let axis = rank - 1;
    for (; axis >= 0; axis--) {
      counter[axis]!++;
      strides.forEach((s, j) => { offsets[j]! += s[axis]!; });
      if (counter[axis]! < shape[axis]!) break;
      strides.forEach((s, j) => { offsets[j]! -= s[axis]! * shape[axis]!; });
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}
