// Row gather and scatter-add by index (the twin of shaders/indexing.wgsl). Both return the
// first out-of-range row they meet (or -1), so the host can name it in an error.
import { at } from './common';

/** The first index in [0, rows) outside [0, limit), or -1. */
export function checkRows(index: usize, rows: i32, limit: i32): i32 {
  for (let r = 0; r < rows; r++) {
    const row = load<i32>(at(index, r));
    if (row < 0 || row >= limit) return r;
  }
  return -1;
}

export function gather(table: usize, index: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(at(out, r * cols), at(table, load<i32>(at(index, r)) * cols), <usize>cols << 2);
  }
}

/** dst[index[r], :] += src[r, :] in row order: deterministic when indices repeat. */
export function scatterAdd(dst: usize, index: usize, src: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = at(dst, load<i32>(at(index, r)) * cols);
    const s = at(src, r * cols);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(at(d, c), f32x4.add(v128.load(at(d, c)), v128.load(at(s, c))));
    for (; c < cols; c++) store<f32>(at(d, c), load<f32>(at(d, c)) + load<f32>(at(s, c)));
  }
}
