// What every self-supervised trainer here shares, whatever its loss: the encoder and its SGD
// with the cosine schedule, the seeded augmentations, the epoch loop (pausable, resumable),
// kNN evaluation and checkpoints. A subclass supplies one training step (`trainStep`): the
// method's (Trainer, src/method/train.ts) or SimCLR's (src/method/simclr.ts).

import { noGrad } from '../engine/autograd/tape.js';
import type { Backend } from '../engine/backend.js';
import { readTensors } from '../engine/io/state.js';
import { decodeTensorFile, type TensorFile } from '../engine/io/tensor-file.js';
import * as ops from '../engine/ops/index.js';
import { cosineLr, SGD } from '../engine/optim/sgd.js';
import { Generator } from '../engine/random.js';
import { keep, scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { batchCount, type DeviceImages, imagesIn, shuffle } from './data.js';
import { Encoder, type HeadKind } from './encoder.js';
import { DivergenceError, LossGuard, type LossGuardState, nonFiniteTensor } from './guard.js';
import { knnAccuracy } from './knn.js';
import { type AugmentOptions, augment } from './ops/augment.js';

/** The settings every trainer has: optimisation, encoder, seed and logging. */
export interface EncoderTrainConfig {
  epochs: number;
  batch: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  width: number;
  head: HeadKind;
  hidden: number;
  dim: number;
  seed: number;
  /** Steps between logged losses (each one reads a scalar back, which the divergence guard checks). */
  logEvery: number;
  /** Epochs of linear learning-rate warm-up before the cosine decay (may be fractional). */
  warmup: number;
  /** Smallest crop area of the random resized crop, as a fraction of the image (largest: 1). */
  cropMin: number;
  /** Largest random rotation, degrees either way (0: none). */
  rotate: number;
  /** Largest random shift, as a fraction of the side either way (0: none). */
  translate: number;
  /** Probability of random erasing (0: never). */
  erase: number;
}

/** The augmentation of docs/method.md §1 as configured: crop, flip, and what else the config adds. */
function augmentOptions(config: EncoderTrainConfig): AugmentOptions {
  return { scale: [config.cropMin, 1], rotate: config.rotate, translate: config.translate, erase: config.erase };
}

/**
 * Hears each step: steps done in the epoch, steps in it, and the loss when one was read
 * back. Returning false (or a promise of false) pauses the epoch after that step; the next
 * trainEpoch call continues it. A promise is awaited, which lets a worker take messages.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a listener that only watches returns nothing
export type StepListener = (done: number, total: number, loss: number | null) => void | boolean | Promise<void | boolean>;

export interface EpochResult {
  /** Mean of the losses read back in the epoch. */
  loss: number;
  seconds: number;
  /** False when the listener paused the epoch before its end. */
  complete: boolean;
}

/** Images per forward pass when embedding a whole set (calibration, evaluation). */
export const EVAL_BLOCK = 500;

/** Steps done in the current epoch, and its loss sum, count and seconds so far (a paused epoch). */
interface EpochProgress {
  step: number;
  lossSum: number;
  lossCount: number;
  seconds: number;
}

const NO_PARTIAL: EpochProgress = { step: 0, lossSum: 0, lossCount: 0, seconds: 0 };

export abstract class EncoderTrainer<C extends EncoderTrainConfig = EncoderTrainConfig> {
  readonly encoder: Encoder;
  readonly optimizer: SGD;
  /** Draws the augmentations; its state travels in checkpoints. */
  generator: Generator;
  /** Epochs completed. */
  epoch = 0;
  /**
   * Multiplies the configured learning rate: 1 unless a rollback after a divergence halved it
   * (src/cli/session.ts). Saved in snapshots, so a resumed run keeps the rate it had.
   */
  lrScale = 1;
  private partial: EpochProgress = { ...NO_PARTIAL };
  /** Watches the losses read back; trainEpoch throws its DivergenceError. */
  private guard = new LossGuard();

  /** `init` draws the initial weights (a subclass may draw more from it after them). */
  constructor(
    readonly config: C,
    readonly backend: Backend,
    readonly train: DeviceImages,
    readonly test: DeviceImages,
    init: Generator,
  ) {
    if (train.count < 2) throw new Error(`training needs at least 2 images (BatchNorm normalises over the batch); got ${train.count}`);
    this.encoder = new Encoder({ ...config, backend, generator: init });
    this.optimizer = new SGD(this.encoder.parameters(), { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay });
    this.generator = new Generator(config.seed + 1);
  }

  /** Batches of `config.batch` images; a last batch of one image joins the one before (batchCount). */
  get stepsPerEpoch(): number {
    return batchCount(this.train.count, this.config.batch);
  }

  /** Images an epoch has trained on after `steps` of its steps. */
  imagesAfter(steps: number): number {
    return imagesIn(steps, this.train.count, this.config.batch);
  }

  /** Steps done in the current epoch: 0 between epochs, more when it was paused (or saved) part-way. */
  get stepInEpoch(): number {
    return this.partial.step;
  }

  /**
   * One step on the images `index` of the training set (`idx`: the same on the device), the
   * `step`-th of the run: forward, loss, `applyGradients`. Runs inside a scope; returns the
   * loss, a scalar.
   */
  protected abstract trainStep(index: Int32Array, idx: Tensor, step: number): Tensor;

  /** The training images `idx`, one random augmentation each from the trainer's generator. */
  protected augment(idx: Tensor): Tensor {
    const options = { ...augmentOptions(this.config), generator: this.generator };
    return augment(this.train.images, idx, this.train.height, this.train.width, options);
  }

  /** Fresh gradients from `backward`, then one SGD step. */
  protected applyGradients(backward: () => void): void {
    this.optimizer.zeroGrad();
    backward();
    this.optimizer.step();
  }

  /** Images [start, start + count) of a set, unaugmented (normalised only). */
  protected plainBatch(set: DeviceImages, start: number, count: number): Tensor {
    const index = ops.tensor(
      Int32Array.from({ length: count }, (_, i) => start + i),
      [count],
      { backend: this.backend },
    );
    return augment(set.images, index, set.height, set.width, { crop: false, flip: false });
  }

  /**
   * One training step on the training images `index`, as the `step`-th of the run (its
   * learning rate, its augmentations): the loss, a scalar on the device for the caller to
   * dispose. Nothing is read back. trainEpoch runs these; benchmarks time them.
   */
  step(index: Int32Array, step: number): Tensor {
    this.optimizer.lr = cosineLr(
      this.config.lr * this.lrScale,
      step,
      this.config.epochs * this.stepsPerEpoch,
      Math.round(this.config.warmup * this.stepsPerEpoch),
    );
    this.encoder.train();
    return scope(() => this.trainStep(index, ops.tensor(index, [index.length], { backend: this.backend }), step));
  }

  /**
   * One epoch, or the rest of a paused one; `onStep` hears the progress and every logged loss.
   * Throws a DivergenceError when a logged loss is not finite or far above its running level
   * (LossGuard); the trainer's state is then the diverged one, for the caller to restore.
   */
  async trainEpoch(onStep: StepListener = () => {}): Promise<EpochResult> {
    const { logEvery } = this.config;
    const order = shuffle(this.train.count, this.config.seed, 1 + this.epoch);
    const start = performance.now();
    const partial = this.partial;
    const elapsed = () => partial.seconds + (performance.now() - start) / 1000;
    while (partial.step < this.stepsPerEpoch) {
      const s = partial.step;
      const loss = this.step(order.subarray(this.imagesAfter(s), this.imagesAfter(s + 1)), this.epoch * this.stepsPerEpoch + s);
      const logged = s % logEvery === logEvery - 1 || s === this.stepsPerEpoch - 1;
      // a guard without a level also reads the run's first step: the untrained network's loss
      const value = logged || this.guard.empty ? await loss.item() : null;
      loss.dispose();
      partial.step++; // done, diverged or not: a snapshot of a diverged state names this step
      if (value !== null) this.guard.check(value, this.epoch + 1, s + 1, this.stepsPerEpoch);
      if (logged) {
        partial.lossSum += value!;
        partial.lossCount++;
      }
      if ((await onStep(s + 1, this.stepsPerEpoch, logged ? value : null)) === false && partial.step < this.stepsPerEpoch) {
        await this.backend.sync();
        partial.seconds = elapsed();
        return { loss: partial.lossSum / Math.max(partial.lossCount, 1), seconds: partial.seconds, complete: false };
      }
    }
    this.optimizer.zeroGrad();
    await this.backend.sync();
    this.epoch++;
    this.partial = { ...NO_PARTIAL };
    return { loss: partial.lossSum / Math.max(partial.lossCount, 1), seconds: elapsed(), complete: true };
  }

  /** Unaugmented v and normalised h of every image of a set (eval-mode BatchNorm). */
  embed(set: DeviceImages): { v: Tensor; h: Tensor } {
    this.encoder.eval();
    return noGrad(() =>
      scope(() => {
        const vs: Tensor[] = [],
          hs: Tensor[] = [];
        for (let start = 0; start < set.count; start += EVAL_BLOCK) {
          scope(() => {
            const h = this.encoder.features(this.plainBatch(set, start, Math.min(EVAL_BLOCK, set.count - start)));
            vs.push(keep(ops.l2Normalize(this.encoder.head.forward(h), 1)));
            hs.push(keep(ops.l2Normalize(h, 1)));
          });
        }
        const result = { v: ops.concat(vs, 0), h: ops.concat(hs, 0) };
        for (const t of [...vs, ...hs]) t.dispose();
        return result;
      }),
    );
  }

  /** Weighted kNN top-1 on the test split, with the training set as the bank, on v and on h. */
  async evaluate(options: { h?: boolean } = {}): Promise<{ knnV: number; knnH: number }> {
    const train = this.embed(this.train),
      test = this.embed(this.test);
    try {
      return {
        knnV: await knnAccuracy(train.v, this.train.labels, test.v, this.test.labels),
        knnH: options.h === false ? NaN : await knnAccuracy(train.h, this.train.labels, test.h, this.test.labels),
      };
    } finally {
      for (const t of [train.v, train.h, test.v, test.h]) t.dispose();
    }
  }

  /** The subclass's own tensors in checkpoints (the memory bank), after the encoder's and the velocities. */
  protected stateTensors(): [string, Tensor][] {
    return [];
  }

  /** Restores what stateTensors() saved; `load` makes a tensor of a saved one, which the caller disposes. */
  protected restoreState(_load: (name: string) => Tensor): void {}

  /**
   * Everything a resumed run needs: weights, velocities, the subclass's state, generator, epoch,
   * config, learning-rate scale and the divergence guard's level. A state holding a NaN or an
   * infinity is refused with a DivergenceError: no checkpoint is ever written from it.
   */
  async snapshot(extra: Record<string, unknown> = {}): Promise<TensorFile> {
    const named: [string, Tensor][] = [...this.encoder.stateDict()];
    this.optimizer.velocities.forEach((v, i) => {
      if (v) named.push([`optimizer.velocity.${i}`, v]);
    });
    named.push(...this.stateTensors());
    const tensors = await readTensors(named);
    const bad = nonFiniteTensor(tensors);
    if (bad !== undefined) {
      // the epoch in progress, or the one just completed when none is
      const [epoch, step] = this.partial.step > 0 ? [this.epoch + 1, this.partial.step] : [this.epoch, this.stepsPerEpoch];
      throw new DivergenceError(
        `training diverged in epoch ${epoch} by step ${step} of ${this.stepsPerEpoch}: ${bad} holds non-finite values, so it is not saved`,
        epoch,
        step,
      );
    }
    return {
      meta: {
        ...extra,
        config: this.config,
        epoch: this.epoch,
        partial: this.partial,
        generator: this.generator.state(),
        lrScale: this.lrScale,
        guard: this.guard.snapshot(),
      },
      tensors,
    };
  }

  /** Restores a snapshot made with the same configuration; one holding a NaN or an infinity is refused. */
  restore(bytes: Uint8Array, source: string): void {
    const file = decodeTensorFile(bytes, source);
    const meta = file.meta as {
      config: C;
      epoch: number;
      partial?: EpochProgress;
      generator: { seed: number; counter: number };
      lrScale?: number;
      guard?: LossGuardState;
    };
    for (const key of Object.keys(this.config) as (keyof C & string)[]) {
      if (key !== 'epochs' && key !== 'logEvery' && meta.config[key] !== this.config[key]) {
        throw new Error(`${source}: was trained with ${key} = ${meta.config[key]}, this run has ${this.config[key]}`);
      }
    }
    const bad = nonFiniteTensor(file.tensors);
    if (bad !== undefined)
      throw new Error(`${source}: tensor ${bad} holds non-finite values (NaN or infinity); the run that wrote it had diverged`);
    const byName = new Map(file.tensors.map((t) => [t.name, t]));
    const load = (name: string) => {
      const t = byName.get(name);
      if (!t) throw new Error(`${source}: no tensor ${name}`);
      return ops.tensor(t.data, t.shape, { dtype: t.dtype, backend: this.backend });
    };
    const state = new Map([...this.encoder.stateDict().keys()].map((name) => [name, load(name)] as [string, Tensor]));
    try {
      this.encoder.loadStateDict(state);
    } finally {
      for (const t of state.values()) t.dispose();
    }
    this.optimizer.params.forEach((_, i) => {
      if (!byName.has(`optimizer.velocity.${i}`)) return;
      this.optimizer.velocities[i]?.dispose();
      this.optimizer.velocities[i] = keep(load(`optimizer.velocity.${i}`));
    });
    this.restoreState(load);
    this.generator = Generator.fromState(meta.generator);
    this.epoch = meta.epoch;
    this.partial = { ...NO_PARTIAL, ...meta.partial };
    this.lrScale = meta.lrScale ?? 1;
    this.guard = new LossGuard(meta.guard);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.encoder.dispose();
  }
}
