// Reductions over any axes (the twin of shaders/reduce.wgsl): out[kept] = op over the
// reduced index space. Sums accumulate in f64, as the reference does.
import { at, layoutDim, layoutRank, layoutRows, layoutStride, rowOffset } from './common';
import { REDUCE_MAX, REDUCE_SUM, ReduceParams } from './generated';

/** Offset of flat index `index` of a one-operand layout, over all its axes. */
function offsetOf(layout: usize, index: i32): i32 {
  let rest = index;
  let offset = 0;
  for (let axis = layoutRank(layout) - 1; axis >= 0; axis--) {
    const dim = layoutDim(layout, axis);
    offset += (rest % dim) * layoutStride(layout, 0, axis);
    rest /= dim;
  }
  return offset;
}

export function reduce(params: ReduceParams): void {
  const op = params.op, x = params.x, out = params.out, keptSize = params.keptSize, kept = params.kept, reduced = params.reduced;
  const last = layoutRank(reduced) - 1;
  const length = layoutDim(reduced, last);
  const stride = layoutStride(reduced, 0, last);
  const rows = layoutRows(reduced);
  for (let k = 0; k < keptSize; k++) {
    const base = at(x, offsetOf(kept, k));
    let sum: f64 = 0;
    let best: f32 = -Infinity;
    let bestAt = 0;
    let position = 0;
    for (let row = 0; row < rows; row++) {
      const p = at(base, rowOffset(reduced, 0, row));
      if (op == REDUCE_SUM) {
        for (let i = 0; i < length; i++) sum += <f64>load<f32>(at(p, i * stride));
      } else {
        for (let i = 0; i < length; i++, position++) {
          const v = load<f32>(at(p, i * stride));
          if (position == 0 || v > best) { best = v; bestAt = position; }
        }
      }
    }
    if (op == REDUCE_SUM) store<f32>(at(out, k), <f32>sum);
    else if (op == REDUCE_MAX) store<f32>(at(out, k), best);
    else store<i32>(at(out, k), bestAt);
  }
}
