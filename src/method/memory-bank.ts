// The feature-calibrated memory bank of docs/method.md: the loss L_CE + λ·L_SqrtKL of a batch
// against every bank row (§3) with its gradient, and the two bank updates (§4). A bank whose
// similarities outgrow one buffer binding is walked in chunks of rows with an online softmax.

import { noGrad } from '../engine/autograd/tape.js';
import type { Backend } from '../engine/backend.js';
import * as ops from '../engine/ops/index.js';
import type { Generator } from '../engine/random.js';
import { keep, scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { bankGrad, bankLossTerms, bankStats, bankStatsInit } from './ops/memory-bank.js';

export interface BankStepOptions {
  tau: number;
  lambda: number;
  /** Memory momentum m of the update. */
  m: number;
  update: 'npid' | 'corrected';
  /**
   * The bank rows J the softmax runs over (docs/method.md §3, `--negatives K`): distinct, the
   * batch's own rows first, in batch order, then the sampled negatives. Every row by default.
   */
  columns?: Int32Array;
  /**
   * CutMix (docs/method.md §1): image b also shows instance `index[partner[b]]` on a share
   * 1 − `weight` of its pixels, and its target mixes the two like labels. Full bank only.
   */
  mix?: { partner: Int32Array; weight: number };
}

export interface BankStepResult {
  /** The batch mean of L_CE + λ·L_SqrtKL. */
  loss: Tensor;
  /** ∂loss/∂v [B, d]: hand it to v.backward(). */
  gradV: Tensor;
}

/** Up to this size the similarities of all chunks stay in memory between the two passes. */
const KEEP_SIMILARITY_BYTES = 256 * 2 ** 20;

export class MemoryBank {
  /** W [N, d], every row at unit norm. */
  rows: Tensor;

  /** `chunkRows`: bank rows per chunk; by default as many as one binding holds (all, off WebGPU). */
  constructor(
    rows: Tensor,
    readonly chunkRows?: number,
  ) {
    this.rows = keep(rows);
  }

  /** NPID's initialisation: random unit vectors. */
  static random(size: number, dim: number, options: { backend?: Backend; generator?: Generator; chunkRows?: number } = {}): MemoryBank {
    return new MemoryBank(
      noGrad(() => scope(() => ops.l2Normalize(ops.randn([size, dim], options), 1))),
      options.chunkRows,
    );
  }

  get size(): number {
    return this.rows.shape[0]!;
  }

  /** Replaces rows [start, start + features.rows) (feature-calibrate initialisation, §2). */
  setRows(start: number, features: Tensor): void {
    const next = noGrad(() =>
      scope(() => {
        const before = start > 0 ? [this.rows.slice([0, 0], [start, this.rows.shape[1]!])] : [];
        const end = start + features.shape[0]!;
        const after = end < this.size ? [this.rows.slice([end, 0], [this.size - end, this.rows.shape[1]!])] : [];
        return ops.concat([...before, features.detach(), ...after], 0);
      }),
    );
    this.replace(next);
  }

  private replace(next: Tensor): void {
    this.rows.dispose();
    this.rows = keep(next);
  }

  /**
   * The chunks of `size` softmax columns, [first column, column count]: each chunk's
   * batch×rows similarities and rows×dim bank rows fit one binding of the backend.
   */
  private chunks(size: number, batch: number): [number, number][] {
    const dim = this.rows.shape[1]!;
    const rows = this.chunkRows ?? Math.max(1, Math.floor(this.rows.backend.maxBindingBytes / (4 * Math.max(batch, dim))));
    const out: [number, number][] = [];
    for (let start = 0; start < size; start += rows) out.push([start, Math.min(rows, size - start)]);
    return out;
  }

  /**
   * The loss and its gradient for features v [B, d] of instances `index`, then the bank
   * update with this step's v and p. Two passes over the bank: statistics, then gradients.
   */
  step(v: Tensor, index: Tensor, options: BankStepOptions): BankStepResult {
    const { tau, lambda, m } = options;
    const result = noGrad(() =>
      scope(() => {
        const features = v.detach();
        const dim = this.rows.shape[1]!;
        // The softmax columns: the whole bank, or the rows J with each instance's position in J.
        const columns = options.columns ? ops.tensor(options.columns, [options.columns.length], { backend: v.backend }) : null;
        const source = columns ? this.rows.gather(columns) : this.rows;
        const batch = features.shape[0]!;
        const target = columns
          ? ops.tensor(
              Int32Array.from({ length: batch }, (_, b) => b),
              [batch],
              { backend: v.backend },
            )
          : index;
        if (options.mix && columns) throw new Error('MemoryBank.step: CutMix needs the whole bank as negatives');
        // the mixed-in instances, and a mixing of two chunk gradients (both linear in the one-hot)
        const partnerTarget = options.mix ? index.gather(ops.tensor(options.mix.partner, [batch], { backend: v.backend })) : null;
        const mixed = (a: Tensor, b: Tensor | null) =>
          b && options.mix ? a.mul(options.mix.weight).add(b.mul(1 - options.mix.weight)) : a;
        const stats = bankStatsInit(features.shape[0]!, features);
        const layout = this.chunks(source.shape[0]!, batch);
        const chunks = layout.map(([start, count]) => ({
          start,
          rows: layout.length === 1 ? source : source.slice([start, 0], [count, dim]),
        }));
        const similarities = (rows: Tensor) => features.matmul(rows, { transB: true });
        // s of every chunk kept for pass 2 unless that is too much memory (then computed twice)
        const kept =
          chunks.length === 1 || batch * source.shape[0]! * 4 <= KEEP_SIMILARITY_BYTES ? chunks.map((c) => similarities(c.rows)) : null;
        for (const [i, { start, rows }] of chunks.entries())
          scope(() => bankStats(kept?.[i] ?? similarities(rows), stats, { colOffset: start, tau, lambda }));

        let gradV: Tensor | null = null;
        const updated: Tensor[] = [];
        for (const [i, { start, rows }] of chunks.entries()) {
          const s = kept?.[i] ?? similarities(rows);
          const own = bankGrad(s, stats, target, { colOffset: start, tau, lambda });
          const other = partnerTarget ? bankGrad(s, stats, partnerTarget, { colOffset: start, tau, lambda }) : null;
          const g = mixed(own.g, other?.g ?? null),
            q = mixed(own.q, other?.q ?? null);
          const part = g.matmul(rows);
          gradV = gradV ? gradV.add(part) : part;
          // u_j = Σ_b (y_bj − p_bj)·v_b; w_j ← normalise(m·w_j + (1 − m)·u_j) for every row (§4)
          if (options.update === 'corrected') updated.push(ops.blendNormalize(rows, q.matmul(features, { transA: true }), m, 1 - m));
        }

        // loss_b = −s_b,own/τ + log Σ e^{s/τ} + λ·(½·Σp̃s − log Σ e^{s} + log Σ e^{s/2})
        const { logZTau, logZOne, logZHalf, meanS } = bankLossTerms(stats, tau);
        const ownOf = (t: Tensor) => features.mul(source.gather(t)).sum(1);
        const own = mixed(ownOf(target), partnerTarget ? ownOf(partnerTarget) : null);
        const sqrtKl = meanS.mul(0.5).sub(logZOne).add(logZHalf);
        const loss = own.div(-tau).add(logZTau).add(sqrtKl.mul(lambda)).mean();

        let next: Tensor;
        if (options.update === 'corrected') {
          const moved = updated.length === 1 ? updated[0]! : ops.concat(updated, 0);
          next = columns ? ops.scatterAdd(this.rows, columns, moved.sub(source)) : moved;
        } else {
          // NPID: only the batch's own rows move (indices are distinct within a batch)
          const old = this.rows.gather(index);
          next = ops.scatterAdd(this.rows, index, ops.blendNormalize(old, features, m, 1 - m).sub(old));
        }
        return { loss, gradV: gradV!, next };
      }),
    );
    this.replace(result.next);
    return { loss: result.loss, gradV: result.gradV };
  }

  dispose(): void {
    this.rows.dispose();
  }
}
