// Divergence, caught where training already looks: the losses the epoch loop reads back (every
// `logEvery` steps, each epoch's last, and once the run's first; nothing else is read back for
// it), and the tensors a snapshot downloads anyway. A run that diverges stops with a DivergenceError naming the epoch
// and the step, instead of training NaN weights and saving them over its last good checkpoint.
// EncoderTrainer (and so the CLI, the experiments and the demo page) is the one user.

import type { NamedArray } from '../engine/io/tensor-file.js';

/**
 * How far above its reference level (below) a finite loss may go. Normal runs stay within
 * 1.6× of it: at most 1.56× over the metrics.jsonl step records of some 130 runs of the method,
 * NPID, SimCLR and the supervised reference (the tests' and experiments' short runs, and runs
 * of 3–15 epochs at batch 16–32 on 500–2,000 images, with and without learning-rate warm-up,
 * every step's loss read in some, from the first).
 * A diverging run's loss grows by orders of magnitude within a few read-backs (the supervised
 * reference at --lr 100, batch 32: 2.7e7, then 9.7e9, then 2.5e12). Ten times sits between.
 */
const SPIKE_FACTOR = 10;

/** Weight of each new read-back in the running level, an exponential moving average. */
const SMOOTHING = 0.1;

/** What the guard has seen, kept in snapshots so that a resumed run judges as the first would have. */
export interface LossGuardState {
  /** Losses read back so far. */
  readings: number;
  /** The running level: the moving average of the readings. */
  level: number;
  /** The highest the running level has been: the reference a loss is compared with. */
  peak: number;
}

/** Training diverged at `step` (1-based) of `epoch` (1-based, the epoch in progress). */
export class DivergenceError extends Error {
  constructor(
    message: string,
    readonly epoch: number,
    readonly step: number,
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

export class LossGuard {
  private state: LossGuardState;

  constructor(state: LossGuardState = { readings: 0, level: 0, peak: 0 }) {
    this.state = { ...state };
  }

  /**
   * Throws a DivergenceError when `loss` is not finite, or is more than SPIKE_FACTOR times the
   * highest running level so far; otherwise takes it into the level. The reference is the peak
   * rather than the level itself because a loss that trains towards zero (the supervised
   * cross-entropy) makes batch-to-batch noise large relative to its level late in a run, while
   * a divergence overshoots even the early, high level at once. The first reading only sets
   * the level: there is nothing yet to compare it with, so the trainer makes it the loss of
   * the run's first step, the untrained network's (see `empty`). (The losses here are
   * non-negative; a level at or below zero gives no reference.)
   */
  check(loss: number, epoch: number, step: number, steps: number): void {
    const where = `training diverged in epoch ${epoch} at step ${step} of ${steps}`;
    if (!Number.isFinite(loss)) throw new DivergenceError(`${where}: the loss is ${loss}`, epoch, step);
    const { readings, level, peak } = this.state;
    if (readings > 0 && peak > 0 && loss > SPIKE_FACTOR * peak) {
      throw new DivergenceError(
        `${where}: the loss ${loss.toPrecision(3)} is over ${SPIKE_FACTOR}× its running level (${peak.toPrecision(3)} at its highest)`,
        epoch,
        step,
      );
    }
    const next = readings === 0 ? loss : level + SMOOTHING * (loss - level);
    this.state = { readings: readings + 1, level: next, peak: Math.max(peak, next) };
  }

  /** No loss seen yet: the next one read back sets the level. */
  get empty(): boolean {
    return this.state.readings === 0;
  }

  snapshot(): LossGuardState {
    return { ...this.state };
  }
}

/** The name of the first floating-point tensor holding a NaN or an infinity, if any. */
export function nonFiniteTensor(tensors: NamedArray[]): string | undefined {
  for (const { name, dtype, data } of tensors) {
    if (dtype !== 'f32') continue;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return name;
  }
  return undefined;
}
