// What the train and experiment commands share: the data on the device, the baselines (raw
// pixels), the trainer a setting asks for, and one resumable training run with its
// evaluation (weighted kNN on v and h, the linear probe on h). A run that diverges stops, or
// rolls back (RunOptions.onDiverge); one that is interrupted (RunOptions.interruptible) stops
// after its current step with a checkpoint to resume from; one whose WebGPU device is lost
// continues on a new device from its last good state (runTraining).

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRunCheckpoint } from '../checkpoint.js';
import { loadSplit } from '../data/fashion-mnist.js';
import type { LabelledImages } from '../data/idx.js';
import type { Backend } from '../engine/backend.js';
import { DeviceLostError } from '../engine/backends/webgpu/runtime.js';
import { reopenBackend } from '../engine/current.js';
import { readFileBytes, writeFileAtomic } from '../engine/io/node-files.js';
import { encodeTensorFile } from '../engine/io/tensor-file.js';
import * as ops from '../engine/ops/index.js';
import { scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { classCount, type DeviceImages, prepareData, subsetCount, toDevice } from '../method/data.js';
import type { EncoderTrainer, EpochResult } from '../method/encoder-trainer.js';
import { DivergenceError } from '../method/guard.js';
import { knnAccuracy } from '../method/knn.js';
import { linearProbe } from '../method/linear-probe.js';
import { augment } from '../method/ops/augment.js';
import { SimCLRTrainer } from '../method/simclr.js';
import { SupervisedTrainer } from '../method/supervised.js';
import { Trainer } from '../method/train.js';
import { formatDuration } from '../numbers.js';
import type { RunSetting } from '../settings.js';
import { ProgressBar } from './progress.js';

/** The images a run trains on and is tested on, and the labelled images its evaluation uses. */
export interface RunImages {
  train: DeviceImages;
  test: DeviceImages;
  /**
   * The labelled images of the evaluation: the kNN bank and the linear probe's training
   * features (default: the training images themselves). The data experiment pre-trains on
   * subsets and evaluates every one against the whole training split.
   */
  labelled?: DeviceImages;
}

/**
 * A run's images on its backend, and the way to put them on another: after a lost WebGPU
 * device, reopen() opens a fresh backend and uploads them again (nothing on the old device
 * survives). The experiments share one across their runs, so a later run finds the new device.
 */
export class DeviceData {
  train: DeviceImages;
  test: DeviceImages;
  /** The evaluation's labelled images (RunImages.labelled): the training images unless the upload gave others. */
  labelled: DeviceImages;

  /** Uploads the images to a backend, the labelled set filled in. */
  private readonly upload: (backend: Backend) => Required<RunImages>;

  constructor(
    public backend: Backend,
    upload: (backend: Backend) => RunImages,
  ) {
    this.upload = (on) => {
      const { train, test, labelled = train } = upload(on);
      return { train, test, labelled };
    };
    ({ train: this.train, test: this.test, labelled: this.labelled } = this.upload(backend));
  }

  /** A fresh backend (reopenBackend) with the images on it; the lost one is destroyed once its images are freed. */
  async reopen(): Promise<void> {
    this.moveTo(await reopenBackend(this.backend));
  }

  /** The images uploaded again to `fresh`, freed on the backend they were on, which is destroyed. */
  moveTo(fresh: Backend): void {
    const old = this.backend;
    this.backend = fresh;
    this.dispose();
    old.destroy();
    ({ train: this.train, test: this.test, labelled: this.labelled } = this.upload(fresh));
  }

  /** Frees the images (each set once: the labelled set may be the training set). */
  dispose(): void {
    for (const set of new Set([this.train, this.test, this.labelled])) set.images.dispose();
  }
}

/**
 * The training subset (seeded shuffle of the split) and the test split (its first `testSubset`;
 * 0: all), on the device. A subset larger than its split is refused, in the flags' words. With
 * `labelAll`, the whole training split is uploaded too as the evaluation's labelled set
 * (RunImages.labelled).
 */
export function loadData(dir: string, subset: number, backend: Backend, seed: number, testSubset = 0, labelAll = false): DeviceData {
  // a new device reads the files again rather than keep them (the training split is 47 MB)
  return new DeviceData(backend, (on) => {
    const train = loadSplit(dir, 'train');
    const images = splitsOnDevice(train, loadSplit(dir, 'test'), on, { subset, seed, testSubset });
    return labelAll ? { ...images, labelled: toDevice(train, on) } : images;
  });
}

/** Splits on a backend as loadData puts them (prepareData), a subset larger than its split refused in the flags' words. */
export function splitsOnDevice(
  train: LabelledImages,
  test: LabelledImages,
  backend: Backend,
  options: { subset: number; seed: number; testSubset: number },
): { train: DeviceImages; test: DeviceImages } {
  subsetCount('--subset', options.subset, train.count);
  subsetCount('--test-subset', options.testSubset, test.count, 'test set');
  return prepareData(train, test, backend, options);
}

/** The standardised, L2-normalised pixels of a set: the no-network features (docs/method.md §5). */
function pixelFeatures(set: DeviceImages): Tensor {
  return scope(() => {
    const index = ops.tensor(
      Int32Array.from({ length: set.count }, (_, i) => i),
      [set.count],
      { backend: set.images.backend },
    );
    const plain = { crop: false, flip: false, channels: set.channels, mean: set.mean, std: set.std };
    return ops.l2Normalize(augment(set.images, index, set.height, set.width, plain).reshape([set.count, -1]), 1);
  });
}

/** Raw pixels as features: weighted kNN, and with `probe` the linear probe too. */
export async function pixelBaseline(train: DeviceImages, test: DeviceImages, probe = false): Promise<{ knn: number; probe: number }> {
  const a = pixelFeatures(train),
    b = pixelFeatures(test);
  try {
    return {
      knn: await knnAccuracy(a, train.labels, b, test.labels, { classes: classCount(train, test) }),
      probe: probe ? await linearProbe(a, train.labels, b, test.labels, { classes: classCount(train, test) }) : NaN,
    };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** The trainer of a setting's method. */
export function makeTrainer(setting: RunSetting, backend: Backend, train: DeviceImages, test: DeviceImages): EncoderTrainer {
  switch (setting.method) {
    case 'supervised':
      return new SupervisedTrainer(setting.config, backend, train, test);
    case 'simclr':
      return new SimCLRTrainer(setting.config, backend, train, test);
    default:
      return new Trainer(setting.config, backend, train, test);
  }
}

/** The linear probe on the frozen, normalised h of `labelled` (default: the training set), scored on the test set. */
export async function probeTrainer(trainer: EncoderTrainer, labelled = trainer.train): Promise<number> {
  const a = trainer.embed(labelled),
    b = trainer.embed(trainer.test);
  try {
    return await linearProbe(a.h, labelled.labels, b.h, trainer.test.labels, { classes: classCount(labelled, trainer.test) });
  } finally {
    for (const t of [a.v, a.h, b.v, b.h]) t.dispose();
  }
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Training seconds of the epoch (evaluation excluded). */
  seconds: number;
  /** Seconds of the kNN evaluation after it (0 where it was skipped). */
  evalSeconds: number;
  /**
   * The most bytes live on the backend at once while the epoch trained (backend.memory()):
   * every tensor there, the images and other runs' trainers included, and the kernels'
   * workspaces; of a resumed epoch, its rest. Absent in records written before it.
   */
  peakBytes?: number;
  knnV?: number;
  knnH?: number;
}

export interface RunResult {
  epochs: EpochRecord[];
  knnV: number;
  knnH: number;
  /** Linear probe on h after the last epoch (NaN unless asked for). */
  probe: number;
  /** Training seconds over all epochs, calibration included. */
  trainSeconds: number;
}

export interface RunOptions {
  /** Directory of metrics.jsonl and checkpoint.sslgpu. */
  out: string;
  /** Continue from <out>/checkpoint.sslgpu when it is there. */
  resume: boolean;
  /** Run the linear probe after the last epoch. */
  probe: boolean;
  /** kNN after the epochs evalEvery asks for and at the end, and the probe (default true; false: the images have no labels). */
  evaluate?: boolean;
  /** Printed before each epoch's progress bar. */
  label?: string;
  /** The evaluation's labelled images (RunImages.labelled; default: the training set); runTraining's are its data's. */
  labelled?: DeviceImages;
  /** Saved in the checkpoint beside the trainer's state (the baselines, say). */
  extra?: Record<string, unknown>;
  /**
   * runTraining: each new trainer of the run, before it starts or resumes (a fine-tune's
   * pre-trained weights, say; a resumed run's checkpoint then replaces them).
   */
  prepare?: (trainer: EncoderTrainer) => void;
  /** Hears each finished epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** On a divergence: stop (the default), or go back to the last good state at half the learning rate. */
  onDiverge?: OnDiverge;
  /**
   * While epochs train, the first SIGINT or SIGTERM stops training after the current step: a
   * checkpoint, then an Interrupted. (npm start; an experiment is resumed after a kill instead.)
   */
  interruptible?: boolean;
}

export type OnDiverge = 'stop' | 'rollback';

/** The exit status of a command whose training diverged (npm start, npm run experiment). */
export const EXIT_DIVERGED = 3;

/**
 * Rollbacks a run may take (each from the last good state, at half the learning rate it had)
 * before a divergence stops it as `stop` would: three take the rate to an eighth, by which
 * point a run that still diverges needs other settings rather than more of the same.
 */
export const MAX_ROLLBACKS = 3;

/**
 * Lost devices a run recovers from (each time on a new device, from the last good state)
 * before the next loss ends it: a device lost again and again has a cause (a failing driver,
 * memory the run cannot have) that opening another does not cure.
 */
export const MAX_DEVICE_LOSSES = 3;

/** A signal stopped the run; its checkpoint holds the state to resume from. */
export class Interrupted extends Error {
  constructor(
    readonly signal: NodeJS.Signals,
    where: string,
    checkpoint: string,
  ) {
    super(`${signal}: stopped ${where}; ${checkpoint} holds the run`);
    this.name = 'Interrupted';
  }
}

/**
 * Until `close`, the first SIGINT or SIGTERM aborts `signal` (its reason: the signal's name).
 * The listeners then step aside, so that a second one ends the process at once by the signal's
 * default action, whatever it is doing (the checkpoints are written atomically). Node hears a
 * signal only when its event loop turns: after every training step (trainEpochs yields), but
 * not inside an evaluation, where WebAssembly kernels and promises that resolve at once keep
 * it busy; a signal sent then is heard when the evaluation ends.
 */
function listenForInterrupts(): { signal: AbortSignal; close: () => void } {
  const controller = new AbortController();
  const names = ['SIGINT', 'SIGTERM'] as const;
  const close = () => {
    for (const name of names) process.removeListener(name, listener);
  };
  const listener = (name: NodeJS.Signals) => {
    close();
    controller.abort(name);
  };
  for (const name of names) process.on(name, listener);
  return { signal: controller.signal, close };
}

/** Appends a timestamped record to <out>/metrics.jsonl. */
function metricsLog(out: string): (record: Record<string, unknown>) => void {
  const path = join(out, 'metrics.jsonl');
  return (record) => appendFileSync(path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

const percent = (x: number) => `${(100 * x).toFixed(2)} %`;

/** Where a run stands: its epochs so far and their training seconds (calibration included). */
export interface RunState {
  history: EpochRecord[];
  trainSeconds: number;
  /** Rollbacks taken after divergences (at most MAX_ROLLBACKS a run). */
  rollbacks: number;
  /** What a rollback or a new device returns to: the start, then each epoch's checkpoint (set by trainEpochs). */
  good?: GoodState;
}

/**
 * A run's start: with `resume`, the checkpoint an earlier (killed) run of the same setting
 * left in <out>, if there is one; otherwise a fresh start (the method's calibration pass).
 */
export async function startRun(
  setting: RunSetting,
  trainer: EncoderTrainer,
  options: Pick<RunOptions, 'out' | 'resume'>,
): Promise<RunState> {
  const checkpointPath = join(options.out, 'checkpoint.sslgpu');
  mkdirSync(options.out, { recursive: true });
  if (options.resume && existsSync(checkpointPath)) {
    const bytes = readFileBytes(checkpointPath);
    const { method, subset, meta } = readRunCheckpoint(bytes, checkpointPath);
    if (subset !== trainer.train.count)
      throw new Error(`${checkpointPath}: was trained on ${subset} images, this run has ${trainer.train.count}`);
    if ((method ?? 'ours') !== setting.method && !(method === undefined && setting.method === 'npid')) {
      throw new Error(`${checkpointPath}: was trained with --method ${method ?? 'ours'}, this run has ${setting.method}`);
    }
    const { history = [], trainSeconds = 0 } = meta;
    // (a record's numbers may be null: JSON's NaN)
    if (!Array.isArray(history) || !history.every((r) => Number.isSafeInteger(r?.epoch)))
      throw new Error(`${checkpointPath}: its history of epochs is damaged`);
    if (typeof trainSeconds !== 'number' || !(trainSeconds >= 0)) throw new Error(`${checkpointPath}: its training time is damaged`);
    trainer.restore(bytes, checkpointPath);
    console.log(`resumed from ${checkpointPath} ${position(trainer)}`);
    // The killed or interrupted run may have logged steps past its checkpoint: this record
    // says where training continues, so a reader keeps the step records after it for this
    // epoch and step on. (Appending keeps the log whole, unlike truncating it.)
    metricsLog(options.out)({ event: 'resume', epoch: trainer.epoch + 1, step: trainer.stepInEpoch });
    return { history, trainSeconds, rollbacks: 0 };
  }
  const start = performance.now();
  if (trainer instanceof Trainer && setting.config.init === 'calibrate') trainer.calibrate();
  await trainer.backend.sync();
  return { history: [], trainSeconds: (performance.now() - start) / 1000, rollbacks: 0 };
}

/** What a run that stops on an error leaves on disk, for its message. */
function onDisk(checkpointPath: string): string {
  return existsSync(checkpointPath) ? `${checkpointPath} is left as it was` : 'no checkpoint was written';
}

/** Where a trainer stands: "after epoch 2", or "in epoch 3 after step 7 of 20" part-way. */
function position(trainer: EncoderTrainer): string {
  if (trainer.stepInEpoch > 0) return `in epoch ${trainer.epoch + 1} after step ${trainer.stepInEpoch} of ${trainer.stepsPerEpoch}`;
  return trainer.epoch > 0 ? `after epoch ${trainer.epoch}` : 'before the first step';
}

/** What a rollback returns to: a snapshot, and the run's epochs and seconds when it was taken. */
interface GoodState {
  bytes: Uint8Array;
  history: EpochRecord[];
  trainSeconds: number;
}

/** Puts a trainer (the run's, or a new one on a new device) and the run's record back to the last good state. */
function returnToGood(trainer: EncoderTrainer, state: RunState, good: GoodState): void {
  trainer.restore(good.bytes, 'the last good state');
  state.history = [...good.history];
  state.trainSeconds = good.trainSeconds;
}

/**
 * Trains up to epoch `until` (default: the last): progress bars, a line per logged step and
 * per epoch in <out>/metrics.jsonl, kNN every `evalEvery` epochs and after the last, an
 * atomic checkpoint after each epoch, which is kept in memory too as the last good state
 * (state.good). A divergence never reaches the checkpoint: it stops the run (a
 * DivergenceError), or with `onDiverge: 'rollback'` restarts from the last good state.
 */
export async function trainEpochs(
  setting: RunSetting,
  trainer: EncoderTrainer,
  state: RunState,
  options: RunOptions,
  until = setting.config.epochs,
): Promise<void> {
  const { config } = setting;
  const log = metricsLog(options.out);
  const checkpointPath = join(options.out, 'checkpoint.sslgpu');
  const label = options.label ? `${options.label}, ` : '';
  const snapshot = async () => {
    const meta = {
      ...options.extra,
      subset: trainer.train.count,
      method: setting.method,
      history: state.history,
      trainSeconds: state.trainSeconds,
    };
    return encodeTensorFile(await trainer.snapshot(meta));
  };
  // the last good state, in memory (the start, then each epoch's checkpoint), for a rollback or a new device
  const remember = (bytes: Uint8Array): GoodState => ({ bytes, history: [...state.history], trainSeconds: state.trainSeconds });
  state.good ??= remember(await snapshot());

  /** The error that ends a diverged run, saying what is on disk. */
  const stop = (error: DivergenceError) => {
    const { rollbacks } = state;
    const tried = rollbacks > 0 ? ` (after ${rollbacks} rollback${rollbacks > 1 ? 's' : ''})` : '';
    return new DivergenceError(`${error.message}${tried}; ${onDisk(checkpointPath)}`, error.epoch, error.step);
  };
  /** After a divergence: back to the good state at half the learning rate, or the run ends. */
  const recover = (error: unknown) => {
    if (!(error instanceof DivergenceError)) throw error;
    log({ event: 'diverged', epoch: error.epoch, step: error.step, message: error.message });
    if (options.onDiverge !== 'rollback' || state.rollbacks === MAX_ROLLBACKS) throw stop(error);
    const lrScale = trainer.lrScale / 2;
    returnToGood(trainer, state, state.good!);
    trainer.lrScale = lrScale;
    const rollback = ++state.rollbacks;
    // like a resume: the step records of this epoch past this step, before this line, are superseded
    log({ event: 'rollback', epoch: trainer.epoch + 1, step: trainer.stepInEpoch, lr: config.lr * lrScale, rollback });
    const back = `back to ${position(trainer)}, learning rate halved to ${config.lr * lrScale}`;
    console.log(`${label}${error.message}; rollback ${rollback} of ${MAX_ROLLBACKS}: ${back}`);
  };
  const signals = options.interruptible ? listenForInterrupts() : undefined;
  /** Saves where the run stands (a paused epoch included) and ends it, once a signal is heard. */
  const interrupt = async (): Promise<never> => {
    try {
      writeFileAtomic(checkpointPath, await snapshot());
    } catch (error) {
      throw error instanceof DivergenceError ? stop(error) : error;
    }
    log({ event: 'interrupted', epoch: trainer.epoch + 1, step: trainer.stepInEpoch });
    throw new Interrupted(signals!.signal.reason, position(trainer), checkpointPath);
  };
  try {
    while (trainer.epoch < Math.min(until, config.epochs)) {
      if (signals?.signal.aborted) await interrupt();
      const bar = new ProgressBar(`${label}epoch ${trainer.epoch + 1}/${config.epochs}`, trainer.stepsPerEpoch, 'img');
      let latest = NaN;
      let epoch: EpochResult;
      trainer.backend.resetPeak();
      try {
        epoch = await trainer.trainEpoch(async (done, _total, value) => {
          if (value !== null) {
            latest = value;
            log({ event: 'step', epoch: trainer.epoch + 1, step: done, loss: value });
          }
          bar.update(done, trainer.imagesAfter(done), { loss: Number.isNaN(latest) ? '—' : latest.toFixed(3) });
          // a turn of the event loop, where a signal's handler runs; the steps await only microtasks
          await new Promise((resolve) => setImmediate(resolve));
          return !signals?.signal.aborted;
        });
      } catch (error) {
        recover(error);
        continue;
      } finally {
        bar.finish();
      }
      if (!epoch.complete) await interrupt();
      state.trainSeconds += epoch.seconds;
      const peakBytes = trainer.backend.memory().peakBytes;
      const record: EpochRecord = { epoch: trainer.epoch, loss: epoch.loss, seconds: epoch.seconds, evalSeconds: 0, peakBytes };
      let summary = '';
      if (options.evaluate !== false && (trainer.epoch % setting.evalEvery === 0 || trainer.epoch === config.epochs)) {
        const start = performance.now();
        Object.assign(record, await trainer.evaluate({ bank: options.labelled }));
        record.evalSeconds = (performance.now() - start) / 1000;
        summary = `, kNN on v ${percent(record.knnV!)}, on h ${percent(record.knnH!)} (${formatDuration(record.evalSeconds)})`;
      }
      state.history.push(record);
      const imagesPerSecond = trainer.train.count / epoch.seconds;
      log({ event: 'epoch', ...record, imagesPerSecond });
      const duration = `${formatDuration(epoch.seconds)} (${imagesPerSecond.toFixed(0)} img/s)`;
      console.log(`${label}epoch ${trainer.epoch}: loss ${epoch.loss.toFixed(4)}, ${duration}${summary}`);
      let bytes: Uint8Array;
      try {
        bytes = await snapshot(); // refused when the state holds a NaN or an infinity
      } catch (error) {
        recover(error);
        continue;
      }
      writeFileAtomic(checkpointPath, bytes);
      state.good = remember(bytes);
      options.onEpoch?.(record);
    }
    if (signals?.signal.aborted) await interrupt(); // heard during the last epoch's evaluation
  } finally {
    signals?.close();
  }
}

/** The evaluation that ends a run: the last kNN (or one now), and the linear probe when asked for. */
async function finishRun(trainer: EncoderTrainer, state: RunState, options: RunOptions): Promise<RunResult> {
  if (options.evaluate === false) return { epochs: state.history, knnV: NaN, knnH: NaN, probe: NaN, trainSeconds: state.trainSeconds };
  const last = state.history.findLast((r) => r.knnV !== undefined) ?? (await trainer.evaluate({ bank: options.labelled }));
  let probe = NaN;
  if (options.probe) {
    const start = performance.now();
    probe = await probeTrainer(trainer, options.labelled);
    const seconds = (performance.now() - start) / 1000;
    // the run's headline figure belongs in its record too, not only on the console
    metricsLog(options.out)({ event: 'probe', epoch: trainer.epoch, probe, seconds });
    const label = options.label ? `${options.label}, ` : '';
    console.log(`${label}linear probe on h ${percent(probe)} (${formatDuration(seconds)})`);
  }
  return { epochs: state.history, knnV: last.knnV!, knnH: last.knnH!, probe, trainSeconds: state.trainSeconds };
}

/**
 * A whole run of the setting's trainer on `data` (started, or resumed where `resume` finds a
 * checkpoint), then its evaluation (the data's labelled set as the kNN bank and the probe's
 * training set). When the WebGPU device is lost (a DeviceLostError, in
 * training or evaluation), the run goes on: `data` moves to a new device, a new trainer there
 * takes the last good state (the last epoch's checkpoint, or the start), and training
 * continues from it, with a line on the console and a `device-lost` record in metrics.jsonl;
 * at most MAX_DEVICE_LOSSES times.
 */
export async function runTraining(setting: RunSetting, data: DeviceData, options: RunOptions): Promise<RunResult> {
  const make = () => {
    const made = makeTrainer(setting, data.backend, data.train, data.test);
    try {
      options.prepare?.(made);
    } catch (error) {
      made.dispose();
      throw error;
    }
    return made;
  };
  // null only between disposing a lost device's trainer and making its successor
  let trainer: EncoderTrainer | null = make();
  let state: RunState | undefined;
  try {
    for (let losses = 0; ; ) {
      try {
        state ??= await startRun(setting, trainer, options);
        // the data's labelled set as it is now (a new device uploads it again)
        const evaluated = { ...options, labelled: data.labelled };
        await trainEpochs(setting, trainer, state, evaluated);
        return await finishRun(trainer, state, evaluated);
      } catch (error) {
        if (!(error instanceof DeviceLostError)) throw error;
        const where = position(trainer);
        if (losses === MAX_DEVICE_LOSSES) {
          const disk = onDisk(join(options.out, 'checkpoint.sslgpu'));
          const message = `${error.message}, ${where}, after ${losses} recoveries; ${disk}`;
          throw new DeviceLostError(error.kernels, message, error.reason);
        }
        trainer.dispose();
        trainer = null;
        await data.reopen();
        trainer = make();
        if (state?.good) returnToGood(trainer, state, state.good);
        else state = undefined; // lost before its first good state: the run starts again
        const recovery = ++losses;
        // like a rollback: the step records of this epoch past this step, before this line, are superseded
        const message = `${error.message}, ${where}`;
        metricsLog(options.out)({ event: 'device-lost', epoch: trainer.epoch + 1, step: trainer.stepInEpoch, message, recovery });
        const label = options.label ? `${options.label}, ` : '';
        const back = `a new device (${data.backend.description}), back to ${position(trainer)}`;
        console.log(`${label}${message}; recovery ${recovery} of ${MAX_DEVICE_LOSSES}: ${back}`);
      }
    }
  } finally {
    trainer?.dispose();
  }
}
