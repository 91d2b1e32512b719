// The memory-bank softmax kernels (docs/method.md §3) as ops: statistics merged chunk by chunk,
// and the similarity gradient from the final statistics. No gradients flow through them:
// the loss's gradient is formed here and handed to backward() by the trainer.

import { tensor } from '../../engine/ops/creation.js';
import { checkDType, checkInputs } from '../../engine/ops/util.js';
import { Tensor } from '../../engine/tensor.js';
import { BANK_SLOT, BANK_STATS } from '../bank-stats.js';
import { METHOD_KERNELS } from '../kernels.js';

/** Fresh statistics for `rows` batch rows: no columns seen yet. */
export function bankStatsInit(rows: number, like: Tensor): Tensor {
  const initial = new Float32Array(rows * BANK_STATS);
  for (let r = 0; r < rows; r++) initial[r * BANK_STATS + BANK_SLOT.max] = -3.4028234663852886e38;
  return tensor(initial, [rows, BANK_STATS], { backend: like.backend });
}

/** Per batch row [B], from the final statistics: the log-partition functions the loss needs. */
export interface BankLossTerms {
  /** log Σ e^{s/τ} */
  logZTau: Tensor;
  /** log Σ e^{s} */
  logZOne: Tensor;
  /** log Σ e^{s/2} */
  logZHalf: Tensor;
  /** Σ p̃·s, p̃ = softmax(s) */
  meanS: Tensor;
}

/** The loss terms of every batch row, read out of the statistics' slots. */
export function bankLossTerms(stats: Tensor, tau: number): BankLossTerms {
  const slot = (k: number) => stats.slice([0, k], [stats.shape[0]!, 1]).reshape([-1]);
  const max = slot(BANK_SLOT.max),
    zOne = slot(BANK_SLOT.zOne);
  return {
    logZTau: max.div(tau).add(slot(BANK_SLOT.zTau).log()),
    logZOne: max.add(zOne.log()),
    logZHalf: max.mul(0.5).add(slot(BANK_SLOT.zHalf).log()),
    meanS: slot(BANK_SLOT.weighted).div(zOne),
  };
}

export interface BankChunk {
  /** The chunk's first bank row. */
  colOffset: number;
  tau: number;
  lambda: number;
}

/** Merges similarities s [B, C] of one bank chunk into stats [B, BANK_STATS] in place. */
export function bankStats(s: Tensor, stats: Tensor, chunk: BankChunk): void {
  const backend = checkInputs('bankStats', s, stats);
  checkDType('bankStats', s, 'f32');
  backend.run(METHOD_KERNELS.bankStats, { s: s.storage, stats: stats.storage, rows: s.shape[0]!, cols: s.shape[1]!, ...chunk });
}

/** g = ∂L/∂s and q = y − p for one chunk, given the final statistics. */
export function bankGrad(s: Tensor, stats: Tensor, index: Tensor, chunk: BankChunk): { g: Tensor; q: Tensor } {
  const backend = checkInputs('bankGrad', s, stats, index);
  checkDType('bankGrad', index, 'i32');
  const g = Tensor.empty(backend, s.shape);
  const q = Tensor.empty(backend, s.shape);
  backend.run(METHOD_KERNELS.bankGrad, {
    s: s.storage,
    stats: stats.storage,
    index: index.storage,
    g: g.storage,
    q: q.storage,
    rows: s.shape[0]!,
    cols: s.shape[1]!,
    ...chunk,
  });
  return { g, q };
}
