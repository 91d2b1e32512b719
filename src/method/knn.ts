// Weighted kNN (NPID's protocol, docs/method.md §5): each test feature's k most similar training
// features vote for their labels with weight exp(s/T). A block of test rows at a time, the
// similarities and their top k are found on the device; only the block's k neighbours per
// row (values and indices) come back for the vote.

import * as ops from '../engine/ops/index.js';
import { scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

/** NPID's k: the neighbours that vote. */
const KNN_K = 200;

/** The neighbours that vote with a bank of `bankRows` rows: k, or every row where there are fewer. */
export function neighbours(bankRows: number, k = KNN_K): number {
  return Math.min(k, bankRows);
}

export interface KnnOptions {
  k?: number;
  temperature?: number;
  classes?: number;
  /** Test rows per similarity block. */
  block?: number;
}

/** Top-1 accuracy of weighted kNN; features are unit rows [N, d] and [M, d]. */
export async function knnAccuracy(
  train: Tensor,
  trainLabels: Uint8Array | Int32Array,
  test: Tensor,
  testLabels: Uint8Array | Int32Array,
  options: KnnOptions = {},
): Promise<number> {
  const k = neighbours(train.shape[0]!, options.k);
  const temperature = options.temperature ?? 0.07;
  const classes = options.classes ?? 10;
  const m = test.shape[0]!,
    n = train.shape[0]!;
  // as many test rows as keep the block's similarities within one storage binding
  const block = options.block ?? Math.max(1, Math.min(1024, Math.floor(train.backend.maxBindingBytes / (4 * n))));
  let correct = 0;
  const votes = new Float64Array(classes);
  for (let start = 0; start < m; start += block) {
    const rows = Math.min(block, m - start);
    const { values, indices } = scope(() => ops.topK(test.slice([start, 0], [rows, test.shape[1]!]).matmul(train, { transB: true }), k));
    const [s, index] = await Promise.all([values.data(), indices.data()]);
    values.dispose();
    indices.dispose();
    for (let r = 0; r < rows; r++) {
      votes.fill(0);
      for (let i = r * k; i < (r + 1) * k; i++) votes[trainLabels[index[i]!]!]! += Math.exp(s[i]! / temperature);
      let best = 0;
      for (let c = 1; c < classes; c++) if (votes[c]! > votes[best]!) best = c;
      if (best === testLabels[start + r]) correct++;
    }
  }
  return correct / m;
}

/** The k training rows most similar to one query row [1, d] or [d], most similar first. */
export async function nearest(train: Tensor, query: Tensor, k: number): Promise<{ index: number[]; similarity: number[] }> {
  const { values, indices } = scope(() => ops.topK(query.reshape([1, -1]).matmul(train, { transB: true }), Math.min(k, train.shape[0]!)));
  const [s, index] = await Promise.all([values.data(), indices.data()]);
  values.dispose();
  indices.dispose();
  const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]! || index[a]! - index[b]!);
  return { index: order.map((i) => index[i]!), similarity: order.map((i) => s[i]!) };
}
