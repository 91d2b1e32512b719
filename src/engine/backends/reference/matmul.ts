// Batched matrix product with optional transposes and bias, accumulating in f64.

import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

export function matmul({ data }: ReferenceContext, { a, b, out, bias, ...p }: EngineArgs<'matmul'>): void {
  const av = data(a),
    bv = data(b),
    o = data(out),
    biasValues = bias ? data(bias) : null;
  for (let batch = 0; batch < p.batch; batch++) {
    const aBase = batch * p.aBatchStride,
      bBase = batch * p.bBatchStride,
      oBase = batch * p.m * p.n;
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let acc = biasValues ? biasValues[j]! : 0;
        for (let k = 0; k < p.k; k++) {
          const aValue = av[aBase + (p.transA ? k * p.m + i : i * p.k + k)]!;
          const bValue = bv[bBase + (p.transB ? j * p.k + k : k * p.n + j)]!;
          acc += aValue * bValue;
        }
        o[oBase + i * p.n + j] = acc;
      }
    }
  }
}
