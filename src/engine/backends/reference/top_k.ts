// Each row's k largest entries by a full sort (ties to the lower column).

import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

export function topK({ data }: ReferenceContext, { s, values, indices, ...p }: EngineArgs<'topK'>): void {
  const x = data(s),
    v = data(values),
    index = data(indices);
  for (let r = 0; r < p.rows; r++) {
    const order = Array.from({ length: p.cols }, (_, j) => j).sort((a, b) => x[r * p.cols + b]! - x[r * p.cols + a]! || a - b);
    order.slice(0, p.k).forEach((j, i) => {
      v[r * p.k + i] = x[r * p.cols + j]!;
      index[r * p.k + i] = j;
    });
  }
}
