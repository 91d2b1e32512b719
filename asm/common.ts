// Helpers shared by the kernel families (the twin of shaders/common.wgsl): addressing,
// strided walks over N-d index spaces, and the share of a range one thread takes.

/** Byte address of element `index`: every dtype we support is 32 bits wide. */
@inline export function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** The start of part `part` of `parts` near-equal shares of [0, count). */
@inline export function shareStart(count: i32, part: i32, parts: i32): i32 {
  return <i32>((<i64>count * part) / parts);
}

// A strided layout block, written by the host: i32 rank, shape[rank], then one stride
// array of rank entries per operand. The host merges axes first, so the last axis is long
// and the walk below (one division per axis per row) costs little.
@inline export function layoutRank(layout: usize): i32 { return load<i32>(layout); }
@inline export function layoutDim(layout: usize, axis: i32): i32 { return load<i32>(at(layout + 4, axis)); }
@inline export function layoutStride(layout: usize, operand: i32, axis: i32): i32 {
  return load<i32>(at(layout + 4, (1 + operand) * layoutRank(layout) + axis));
}

/** Rows of a layout: the index space of every axis but the last. */
export function layoutRows(layout: usize): i32 {
  let rows = 1;
  for (let axis = 0; axis < layoutRank(layout) - 1; axis++) rows *= layoutDim(layout, axis);
  return rows;
}

/** Offset of row `row`'s first element for `operand`. */
export function rowOffset(layout: usize, operand: i32, row: i32): i32 {
  let rest = row;
  let offset = 0;
  for (let axis = layoutRank(layout) - 2; axis >= 0; axis--) {
    const dim = layoutDim(layout, axis);
    offset += (rest % dim) * layoutStride(layout, operand, axis);
    rest /= dim;
  }
  return offset;
}

/** End of the module's static data: the host keeps its own blocks above it. */
export function dataEnd(): usize {
  return __heap_base;
}
