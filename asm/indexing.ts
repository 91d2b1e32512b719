// Row gather and scatter-add by index (the twin of shaders/indexing.wgsl). Both return the
// first out-of-range row they meet (or -1), so the host can name it in an error.
import { at } from './common';
import { CheckRowsParams, GatherParams, ScatterAddParams } from './generated';

/** The first index in [0, rows) outside [0, limit), or -1. */
export function checkRows(p: CheckRowsParams): i32 {
  for (let r = 0; r < p.rows; r++) {
    const row = load<i32>(at(p.index, r));
    if (row < 0 || row >= p.limit) return r;
  }
  return -1;
}

export function gather(p: GatherParams): void {
  const cols = p.cols;
  for (let r = 0; r < p.rows; r++) {
    memory.copy(at(p.out, r * cols), at(p.table, load<i32>(at(p.index, r)) * cols), <usize>cols << 2);
  }
}

/** dst[index[r], :] += src[r, :] in row order: deterministic when indices repeat. */
export function scatterAdd(p: ScatterAddParams): void {
  const cols = p.cols;
  for (let r = 0; r < p.rows; r++) {
    const d = at(p.dst, load<i32>(at(p.index, r)) * cols);
    const s = at(p.src, r * cols);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(at(d, c), f32x4.add(v128.load(at(d, c)), v128.load(at(s, c))));
    for (; c < cols; c++) store<f32>(at(d, c), load<f32>(at(d, c)) + load<f32>(at(s, c)));
  }
}
