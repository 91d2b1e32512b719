// Weighted kNN (NPID's protocol, METHOD.md §5): each test feature's k most similar training
// features vote for their labels with weight exp(s/T). Similarities are computed on the
// device a block of test rows at a time; the top-k selection runs on the host.

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';

export interface KnnOptions {
  k?: number;
  temperature?: number;
  classes?: number;
  /** Test rows per similarity block. */
  block?: number;
}

/** Top-1 accuracy of weighted kNN; features are unit rows [N, d] and [M, d]. */
export async function knnAccuracy(
  train: Tensor, trainLabels: Uint8Array | Int32Array, test: Tensor, testLabels: Uint8Array | Int32Array, options: KnnOptions = {},
): Promise<number> {
  const k = Math.min(options.k ?? 200, train.shape[0]!);
  const temperature = options.temperature ?? 0.07;
  const classes = options.classes ?? 10;
  const block = options.block ?? 512;
  const n = train.shape[0]!, m = test.shape[0]!;
  let correct = 0;
  const votes = new Float64Array(classes);
  const top = new Int32Array(k), topS = new Float32Array(k);
  for (let start = 0; start < m; start += block) {
    const rows = Math.min(block, m - start);
    const s = scope(() => test.slice([start, 0], [rows, test.shape[1]!]).matmul(train, { transB: true }));
    const values = await s.data();
    s.dispose();
    for (let r = 0; r < rows; r++) {
      const size = topK(values.subarray(r * n, (r + 1) * n), k, top, topS);
      votes.fill(0);
      for (let i = 0; i < size; i++) votes[trainLabels[top[i]!]!]! += Math.exp(topS[i]! / temperature);
      let best = 0;
      for (let c = 1; c < classes; c++) if (votes[c]! > votes[best]!) best = c;
      if (best === testLabels[start + r]) correct++;
    }
  }
  return correct / m;
}

/**
 * The k largest values of `row` (a min-heap, one pass): their indices into `top` and values
 * into `topS`, in heap order. Returns how many were found (k, or fewer if the row is short).
 */
function topK(row: ArrayLike<number>, k: number, top: Int32Array, topS: Float32Array): number {
  let size = 0;
  for (let j = 0; j < row.length; j++) {
    const v = row[j]!;
    if (size < k) {
      let i = size++;
      while (i > 0 && topS[(i - 1) >> 1]! > v) { topS[i] = topS[(i - 1) >> 1]!; top[i] = top[(i - 1) >> 1]!; i = (i - 1) >> 1; }
      topS[i] = v; top[i] = j;
    } else if (v > topS[0]!) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        if (l >= k) break;
        const c = r < k && topS[r]! < topS[l]! ? r : l;
        if (topS[c]! >= v) break;
        topS[i] = topS[c]!; top[i] = top[c]!; i = c;
      }
      topS[i] = v; top[i] = j;
    }
  }
  return size;
}

/** The k training rows most similar to one query row [1, d] or [d], most similar first. */
export async function nearest(train: Tensor, query: Tensor, k: number): Promise<{ index: number[]; similarity: number[] }> {
  const s = scope(() => query.reshape([1, -1]).matmul(train, { transB: true }));
  const values = await s.data();
  s.dispose();
  const count = Math.min(k, values.length);
  const top = new Int32Array(count), topS = new Float32Array(count);
  const size = topK(values, count, top, topS);
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => topS[b]! - topS[a]! || top[a]! - top[b]!);
  return { index: order.map((i) => top[i]!), similarity: order.map((i) => topS[i]!) };
}
