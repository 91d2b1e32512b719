// What every self-supervised trainer here shares, whatever its loss: the encoder and its SGD
// with the cosine schedule, the seeded augmentations, the epoch loop (pausable, resumable),
// kNN evaluation and checkpoints. A subclass supplies one training step (`trainStep`): the
// method's (Trainer, src/method/train.ts) or SimCLR's (src/method/simclr.ts).

import type { AnyTypedArray, Backend } from '../engine/backend.js';
import { readTensors } from '../engine/io/state.js';
import { decodeTensorFile, type NamedArray, type TensorFile } from '../engine/io/tensor-file.js';
import * as ops from '../engine/ops/index.js';
import { formatShape, sameShape } from '../engine/ops/util.js';
import { cosineLr, SGD } from '../engine/optim/sgd.js';
import { Generator, type GeneratorState } from '../engine/random.js';
import { keep, scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import type { Kind } from '../engine/values.js';
import type { Arch } from '../models/archs.js';
import { ENCODER_RANGES, IMPLIED_SETTINGS, validateConfig } from './config.js';
import {
  batchCount,
  classCount,
  type DeviceImages,
  describeFormat,
  FASHION_MNIST_FORMAT,
  type ImageFormat,
  imageFormat,
  imagesIn,
  readImageFormat,
  sameFormat,
  shuffle,
} from './data.js';
import { encodeSet, evalBlock } from './embedding.js';
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
  /** The backbone (src/models/archs.ts). */
  arch: Arch;
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
  /** Colour-jitter strength s of SimCLR's colour distortion (colour images only; 0: none). */
  jitter: number;
  /** Probability of random grayscale (colour images only). */
  grayscale: number;
}

/**
 * The augmentation of docs/method.md §1 as configured: crop, flip, and what else the config
 * adds; the colour distortion where the images have colour.
 */
function augmentOptions(config: EncoderTrainConfig, images: ImageFormat): AugmentOptions {
  const colour = images.channels === 3 ? { jitter: config.jitter, grayscale: config.grayscale } : {};
  return { scale: [config.cropMin, 1], rotate: config.rotate, translate: config.translate, erase: config.erase, ...colour };
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

/** Steps done in the current epoch, and its loss sum, count and seconds so far (a paused epoch). */
interface EpochProgress {
  step: number;
  lossSum: number;
  lossCount: number;
  seconds: number;
}

const NO_PARTIAL: EpochProgress = { step: 0, lossSum: 0, lossCount: 0, seconds: 0 };

/** What snapshot() writes beside the caller's metadata. */
interface SnapshotMeta {
  config: object;
  epoch: number;
  partial: EpochProgress;
  generator: GeneratorState;
  /** The learning rate's factor after rollbacks (absent before divergence guarding: 1). */
  lrScale: number;
  /** The training images' shape and normalisation (absent before images had them: Fashion-MNIST's). */
  images: ImageFormat;
  /** What the divergence guard has seen (absent before it: a fresh guard). */
  guard: LossGuardState;
}

/** The name of parameter i's SGD velocity in checkpoints. */
const velocityName = (i: number) => `optimizer.velocity.${i}`;

/** The seed of the augmentations' generator: another stream than the weights' (seed). */
const augmentationSeed = (config: EncoderTrainConfig) => config.seed + 1;

/**
 * Settings a checkpoint may differ in: the epochs (a run can be continued further) and how
 * often the loss is logged; every other one changes what is trained.
 */
const FREE_SETTINGS: readonly string[] = ['epochs', 'logEvery'] satisfies (keyof EncoderTrainConfig)[];

/** The settings whose values differ between two configurations (one missing counts). */
function configDifferences(saved: Record<string, unknown>, current: object): string[] {
  const own = current as Record<string, unknown>;
  const keys = new Set([...Object.keys(own), ...Object.keys(saved)]);
  return [...keys].filter((key) => !FREE_SETTINGS.includes(key) && saved[key] !== own[key]);
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** A value from a checkpoint's metadata in a message. */
const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
/** A setting's value in a message, as a flag would spell it. */
const setting = (value: unknown) => (typeof value === 'string' ? value : show(value));

/** The index of the first NaN or infinity, or -1 (integer tensors have none). */
function firstNonFinite(data: AnyTypedArray): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return -1;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

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
  /** Images per forward pass when embedding a whole set (evalBlock). */
  readonly evalBlock: number;

  /**
   * `init` draws the initial weights (a subclass may draw more from it after them). The config
   * is checked against `ranges` (a subclass's fields added to ENCODER_RANGES) before anything
   * is allocated.
   */
  constructor(
    readonly config: C,
    readonly backend: Backend,
    readonly train: DeviceImages,
    readonly test: DeviceImages,
    init: Generator,
    ranges: Record<string, Kind> = ENCODER_RANGES,
  ) {
    validateConfig(config, ranges);
    if (train.count < 2) throw new Error(`training needs at least 2 images (BatchNorm normalises over the batch); got ${train.count}`);
    this.encoder = new Encoder({ ...config, inChannels: train.channels, backend, generator: init });
    this.optimizer = new SGD(this.encoder.parameters(), { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay });
    this.generator = new Generator(augmentationSeed(config));
    this.evalBlock = evalBlock(config.arch, config.width, train);
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
    const { channels, mean, std } = this.train;
    const options = { ...augmentOptions(this.config, this.train), channels, mean, std, generator: this.generator };
    return augment(this.train.images, idx, this.train.height, this.train.width, options);
  }

  /** Fresh gradients from `backward`, then one SGD step. */
  protected applyGradients(backward: () => void): void {
    this.optimizer.zeroGrad();
    backward();
    this.optimizer.step();
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
    return encodeSet(this.encoder, set, true, this.evalBlock);
  }

  /**
   * Weighted kNN top-1 on the test split, on v and on h, with the training set as the bank,
   * or `bank`: other labelled images (the whole split, where the training set is a subset).
   */
  async evaluate(options: { h?: boolean; bank?: DeviceImages } = {}): Promise<{ knnV: number; knnH: number }> {
    const { bank = this.train } = options;
    const train = this.embed(bank),
      test = this.embed(this.test);
    const classes = classCount(bank, this.test);
    try {
      return {
        knnV: await knnAccuracy(train.v, bank.labels, test.v, this.test.labels, { classes }),
        knnH: options.h === false ? NaN : await knnAccuracy(train.h, bank.labels, test.h, this.test.labels, { classes }),
      };
    } finally {
      for (const t of [train.v, train.h, test.v, test.h]) t.dispose();
    }
  }

  /** The subclass's own tensors in checkpoints (the memory bank), after the encoder's and the velocities. */
  protected stateTensors(): [string, Tensor][] {
    return [];
  }

  /**
   * Takes what stateTensors() saved from checked tensors of the same names, shapes and dtypes
   * (copying: the caller frees them after). Must not refuse: restore() checked everything first.
   */
  protected restoreState(_tensors: ReadonlyMap<string, Tensor>): void {}

  /**
   * Everything a resumed run needs: weights, velocities, the subclass's state, generator, epoch,
   * config, learning-rate scale and the divergence guard's level. A state holding a NaN or an
   * infinity is refused with a DivergenceError: no checkpoint is ever written from it.
   */
  async snapshot(extra: Record<string, unknown> = {}): Promise<TensorFile> {
    const named: [string, Tensor][] = [...this.encoder.stateDict()];
    this.optimizer.velocities.forEach((v, i) => {
      if (v) named.push([velocityName(i), v]);
    });
    named.push(...this.stateTensors());
    const tensors = await readTensors(named);
    const bad = nonFiniteTensor(tensors);
    if (bad !== undefined) {
      // the epoch in progress, or the one just completed when none is
      const [epoch, step] = this.partial.step > 0 ? [this.epoch + 1, this.partial.step] : [this.epoch, this.stepsPerEpoch];
      const where = `training diverged in epoch ${epoch} by step ${step} of ${this.stepsPerEpoch}`;
      throw new DivergenceError(`${where}: ${bad} holds non-finite values, so it is not saved`, epoch, step);
    }
    const meta: SnapshotMeta = {
      config: this.config,
      epoch: this.epoch,
      partial: this.partial,
      generator: this.generator.state(),
      lrScale: this.lrScale,
      guard: this.guard.snapshot(),
      images: imageFormat(this.train),
    };
    return { meta: { ...extra, ...meta }, tensors };
  }

  /**
   * Restores a snapshot of a trainer with the same configuration (the number of epochs may
   * differ: a run can be continued further). Everything in the file is checked against this
   * trainer first: the configuration, the epoch and the paused epoch's progress, the generator,
   * every tensor's name, dtype, shape and values. Only then is anything replaced, so a refused
   * checkpoint leaves the trainer exactly as it was.
   */
  restore(bytes: Uint8Array, source: string): void {
    const file = decodeTensorFile(bytes, source);
    const refuse = (problem: string) => new Error(`${source}: ${problem}`);
    const progress = this.checkProgress(file.meta, refuse);
    this.checkTensors(file.tensors, refuse);
    const loaded = new Map<string, Tensor>();
    try {
      for (const t of file.tensors) loaded.set(t.name, ops.tensor(t.data, t.shape, { dtype: t.dtype, backend: this.backend }));
    } catch (error) {
      for (const t of loaded.values()) t.dispose(); // out of memory, say: nothing was replaced yet
      throw error;
    }
    // everything was checked: from here on nothing refuses
    this.encoder.loadStateDict(new Map([...this.encoder.stateDict().keys()].map((name) => [name, loaded.get(name)!])));
    this.optimizer.params.forEach((_, i) => {
      const velocity = loaded.get(velocityName(i));
      loaded.delete(velocityName(i));
      this.optimizer.velocities[i]?.dispose();
      this.optimizer.velocities[i] = velocity ? keep(velocity) : null; // none saved: none had been made
    });
    this.restoreState(loaded);
    for (const t of loaded.values()) t.dispose();
    this.generator = Generator.fromState(progress.generator);
    this.epoch = progress.epoch;
    this.partial = progress.partial;
    this.lrScale = progress.lrScale;
    this.guard = new LossGuard(progress.guard);
  }

  /** The checkpoint's configuration, epoch, paused epoch and generator, checked against this trainer's. */
  private checkProgress(meta: unknown, refuse: (problem: string) => Error): Omit<SnapshotMeta, 'config'> {
    const { config, epoch, partial, generator, lrScale = 1, guard, images } = record(meta) ?? {};
    const written = record(config);
    if (!written) throw refuse('holds no training configuration (not a checkpoint of a training run)');
    const saved = { ...IMPLIED_SETTINGS, ...written };
    const differ = configDifferences(saved, this.config);
    if (differ.length > 0) {
      const list = (from: object) => differ.map((key) => `${key} = ${setting((from as Record<string, unknown>)[key])}`).join(', ');
      throw refuse(`was trained with ${list(saved)}; this run has ${list(this.config)}`);
    }
    const ours = imageFormat(this.train);
    const format = images === undefined ? FASHION_MNIST_FORMAT : readImageFormat(images);
    if (!format) throw refuse(`its image format ${show(images)} is damaged`);
    if (!sameFormat(format, ours)) throw refuse(`was trained on ${describeFormat(format)}; this run has ${describeFormat(ours)}`);
    const { epochs } = this.config;
    if (!isInteger(epoch, 0, epochs)) throw refuse(`epoch ${show(epoch)} is not an epoch of this run (an integer in [0, ${epochs}])`);
    if (typeof lrScale !== 'number' || !(lrScale > 0 && lrScale < Infinity))
      throw refuse(`its learning-rate scale ${show(lrScale)} is not a positive number`);
    return {
      epoch,
      partial: this.checkPartial(partial, epoch, refuse),
      generator: this.checkGenerator(generator, refuse),
      lrScale,
      guard: this.checkGuard(guard, refuse),
      images: ours,
    };
  }

  /** The divergence guard's readings, level and peak (absent in checkpoints written before it: a fresh guard). */
  private checkGuard(value: unknown, refuse: (problem: string) => Error): LossGuardState {
    if (value === undefined) return new LossGuard().snapshot();
    const { readings, level, peak } = record(value) ?? {};
    const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!isInteger(readings, 0, Number.MAX_SAFE_INTEGER) || !finite(level) || !finite(peak))
      throw refuse(`its divergence guard's state ${show(value)} is damaged`);
    return { readings, level, peak };
  }

  /** The progress of a paused epoch (absent in checkpoints written before pausing existed). */
  private checkPartial(value: unknown, epoch: number, refuse: (problem: string) => Error): EpochProgress {
    if (value === undefined) return { ...NO_PARTIAL };
    const { step, lossSum, lossCount, seconds } = record(value) ?? {};
    // a finished run has no epoch under way
    const steps = epoch < this.config.epochs ? this.stepsPerEpoch - 1 : 0;
    if (!isInteger(step, 0, steps)) throw refuse(`the paused epoch's step ${show(step)} is not a step of it (an integer in [0, ${steps}])`);
    if (!isInteger(lossCount, 0, step)) throw refuse(`the paused epoch's ${show(lossCount)} losses do not fit its ${step} steps`);
    if (typeof lossSum !== 'number' || !Number.isFinite(lossSum))
      throw refuse(`the paused epoch's loss sum ${show(lossSum)} is not finite`);
    if (typeof seconds !== 'number' || !(seconds >= 0 && seconds < Infinity))
      throw refuse(`the paused epoch's ${show(seconds)} seconds are not a duration`);
    return { step, lossSum, lossCount, seconds };
  }

  private checkGenerator(value: unknown, refuse: (problem: string) => Error): GeneratorState {
    const { seed, counter } = record(value) ?? {};
    const expected = augmentationSeed(this.config);
    if (seed !== expected) throw refuse(`the augmentations' generator has seed ${show(seed)}, this run's has ${expected}`);
    if (!isInteger(counter, 0, Number.MAX_SAFE_INTEGER)) throw refuse(`the augmentations' generator is at ${show(counter)}`);
    return { seed, counter };
  }

  /**
   * Every tensor of a checkpoint against this trainer's: the encoder's and the subclass's must
   * all be there, a velocity where its parameter has had a step, nothing else; each with its
   * tensor's dtype and shape (a bank row per training image, a velocity shaped like its
   * parameter) and finite values.
   */
  private checkTensors(tensors: NamedArray[], refuse: (problem: string) => Error): void {
    const layout = new Map<string, { like: Tensor; optional: boolean }>();
    for (const [name, t] of this.encoder.stateDict()) layout.set(name, { like: t, optional: false });
    for (const [i, param] of this.optimizer.params.entries()) layout.set(velocityName(i), { like: param, optional: true });
    for (const [name, t] of this.stateTensors()) layout.set(name, { like: t, optional: false });
    for (const t of tensors) {
      const slot = layout.get(t.name);
      if (!slot) throw refuse(`holds a tensor ${t.name} that this run's trainer does not have`);
      const { dtype, shape } = slot.like;
      if (t.dtype !== dtype || !sameShape(t.shape, shape))
        throw refuse(`${t.name} is ${t.dtype}${formatShape(t.shape)}, this run has ${dtype}${formatShape(shape)}`);
      const bad = firstNonFinite(t.data);
      if (bad >= 0) throw refuse(`tensor ${t.name} holds ${t.data[bad]} at index ${bad}; the run that wrote it had diverged`);
    }
    const names = new Set(tensors.map((t) => t.name));
    const missing = [...layout].filter(([name, slot]) => !slot.optional && !names.has(name)).map(([name]) => name);
    if (missing.length > 0) throw refuse(`no tensor ${missing.join(', ')}`);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.encoder.dispose();
  }
}
