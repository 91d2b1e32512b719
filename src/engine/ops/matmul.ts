// Matrix products: batched matmul with either operand transposed, and linear layers.

import { record } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { checkDType, checkInputs, formatShape, sameShape } from './util.js';

export interface MatmulOptions {
  /** Use the last two axes of a transposed. */
  transA?: boolean;
  /** Use the last two axes of b transposed. */
  transB?: boolean;
}

/**
 * a [..., M, K] · b [..., K, N] → [..., M, N]. Batch axes must match, or one operand
 * may be a plain matrix that is broadcast over the other's batch.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const backend = checkInputs('matmul', a, b);
  checkDType('matmul', a, 'f32');
  checkDType('matmul', b, 'f32');
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: operands need rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [m, k] = transA ? [aCols, aRows] : [aRows, aCols];
  const [kB, n] = transB ? [bCols, bRows] : [bRows, bCols];
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = aBatch.length ? aBatch : bBatch;
  const batchesAgree = aBatch.length === 0 || bBatch.length === 0 || sameShape(aBatch, bBatch);
  if (k !== kB || !batchesAgree) {
    const describe = (t: Tensor, trans: boolean) => `${formatShape(t.shape)}${trans ? 'ᵀ' : ''}`;
    throw new Error(`matmul: shapes ${describe(a, transA)} and ${describe(b, transB)} do not multiply`);
  }
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const out = Tensor.empty(backend, [...batchShape, m, n], 'f32');
  if (out.size > 0) {
    backend.run(KERNELS.matmul, {
      a: a.storage,
      b: b.storage,
      out: out.storage,
      batch,
      m,
      n,
      k,
      transA,
      transB,
      aBatchStride: aBatch.length ? m * k : 0,
      bBatchStride: bBatch.length ? k * n : 0,
    });
  }
  return record('matmul', { transA, transB }, [a, b], out);
}

/** x [B, in] · weightᵀ [in, out] + bias [out], with the bias added by the matmul kernel. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const backend = checkInputs('linear', ...inputs);
  if (x.rank !== 2 || weight.rank !== 2 || x.shape[1] !== weight.shape[1] || (bias && !sameShape(bias.shape, [weight.shape[0]!]))) {
    const andBias = bias ? ` and bias ${formatShape(bias.shape)}` : '';
    throw new Error(
      `linear: input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)}${andBias} do not fit: expected [B, in], [out, in], [out]`,
    );
  }
  const [rows, k] = x.shape as [number, number];
  const n = weight.shape[0]!;
  const out = Tensor.empty(backend, [rows, n], 'f32');
  if (out.size > 0) {
    backend.run(KERNELS.matmul, {
      a: x.storage,
      b: weight.storage,
      out: out.storage,
      bias: bias?.storage,
      batch: 1,
      m: rows,
      n,
      k,
      transA: false,
      transB: true,
      aBatchStride: 0,
      bBatchStride: 0,
    });
  }
  return record('linear', {}, inputs, out);
}
