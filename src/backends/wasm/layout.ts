// Preparing strided layouts for the wasm kernels: fewer, longer axes make their inner loops
// long and contiguous where the data allows.

/** Drops size-1 axes and merges neighbours that every operand walks as one; rank ≥ 1. */
export function mergeAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  shape.forEach((dim, axis) => {
    if (dim === 1) return;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j]![last] === s[axis]! * dim)) {
      outShape[last]! *= dim;
      strides.forEach((s, j) => { outStrides[j]![last] = s[axis]!; });
    } else {
      outShape.push(dim);
      strides.forEach((s, j) => outStrides[j]!.push(s[axis]!));
    }
  });
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
