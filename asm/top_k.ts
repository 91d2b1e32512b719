// The k largest entries of each row of a [rows, cols] matrix, their values and column
// indices (the twin of shaders/top_k.wgsl). One pass per row with a min-heap of k kept in
// the output rows themselves: an entry goes in only when it beats the heap's smallest, which
// after the first few hundred columns is one comparison for nearly every entry. The output
// is in heap order. Parallel by row.
import { at, shareStart } from './common';
import { TopKParams } from './generated';

export function topK(p: TopKParams, part: i32, parts: i32): void {
  const s = p.s, values = p.values, indices = p.indices, rows = p.rows, cols = p.cols, k = p.k;
  for (let row = shareStart(rows, part, parts); row < shareStart(rows, part + 1, parts); row++) {
    const x = at(s, row * cols), v = at(values, row * k), index = at(indices, row * k);
    let size = 0;
    for (let j = 0; j < cols; j++) {
      const value = load<f32>(at(x, j));
      if (size < k) {
        let i = size++;
        while (i > 0) { // sift up
          const parent = (i - 1) >> 1;
          if (load<f32>(at(v, parent)) <= value) break;
          store<f32>(at(v, i), load<f32>(at(v, parent)));
          store<i32>(at(index, i), load<i32>(at(index, parent)));
          i = parent;
        }
        store<f32>(at(v, i), value);
        store<i32>(at(index, i), j);
      } else if (value > load<f32>(v)) {
        let i = 0;
        for (;;) { // sift down
          const left = 2 * i + 1;
          if (left >= k) break;
          const right = left + 1;
          const child = right < k && load<f32>(at(v, right)) < load<f32>(at(v, left)) ? right : left;
          if (load<f32>(at(v, child)) >= value) break;
          store<f32>(at(v, i), load<f32>(at(v, child)));
          store<i32>(at(index, i), load<i32>(at(index, child)));
          i = child;
        }
        store<f32>(at(v, i), value);
        store<i32>(at(index, i), j);
      }
    }
  }
}
