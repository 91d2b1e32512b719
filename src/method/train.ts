// The training loop of METHOD.md: one augmented view per image, the memory-bank loss with
// its gradient-corrected update, SGD with a cosine schedule, weighted kNN after each epoch.
// Platform-neutral: the CLI (src/cli/) adds files, progress and checkpoints on disk.

import type { Backend } from '../backend.js';
import { noGrad } from '../autograd/tape.js';
import { decodeTensorFile, type TensorFile } from '../io/tensor-file.js';
import { readTensors } from '../io/state.js';
import * as ops from '../ops/index.js';
import { SGD, cosineLr } from '../optim/sgd.js';
import { Generator } from '../random.js';
import { keep, scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { sampleNegatives, shuffle, type DeviceImages } from './data.js';
import { Encoder } from './encoder.js';
import { knnAccuracy } from './knn.js';
import { MemoryBank } from './memory-bank.js';
import { cutMix } from './cutmix.js';

export interface TrainConfig {
  epochs: number;
  batch: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  width: number;
  head: 'mlp' | 'linear';
  hidden: number;
  dim: number;
  tau: number;
  lambda: number;
  /** Memory momentum of the bank update. */
  m: number;
  init: 'random' | 'calibrate';
  /** Sampled negatives K per step; 0: every bank row (METHOD.md §3). */
  negatives: number;
  /** CutMix's α across the batch; 0: off (METHOD.md §1). */
  cutmix: number;
  update: 'npid' | 'corrected';
  seed: number;
  /** Steps between logged losses (each one reads a scalar back). */
  logEvery: number;
}

/** The paper's method (METHOD.md §6); the setting of issue 4's acceptance run. */
export const DEFAULTS: TrainConfig = {
  epochs: 15, batch: 256, lr: 0.03, momentum: 0.9, weightDecay: 5e-4, width: 0.5, head: 'mlp', hidden: 512, dim: 128,
  tau: 0.1, lambda: 20, m: 0.5, negatives: 0, cutmix: 0, init: 'calibrate', update: 'corrected', seed: 0, logEvery: 5,
};

export const PRESETS = {
  ours: { init: 'calibrate', update: 'corrected', lambda: 20 },
  npid: { init: 'random', update: 'npid', lambda: 0 },
} as const satisfies Record<string, Partial<TrainConfig>>;

/**
 * Hears each step: steps done in the epoch, steps in it, and the loss when one was read
 * back. Returning false (or a promise of false) pauses the epoch after that step; the next
 * trainEpoch call continues it. A promise is awaited, which lets a worker take messages.
 */
export type StepListener = (done: number, total: number, loss: number | null) => void | boolean | Promise<void | boolean>;

export interface EpochResult {
  /** Mean of the losses read back in the epoch. */
  loss: number;
  seconds: number;
  /** False when the listener paused the epoch before its end. */
  complete: boolean;
}

const EVAL_BLOCK = 500;

export class Trainer {
  readonly encoder: Encoder;
  readonly optimizer: SGD;
  readonly bank: MemoryBank;
  /** Draws the augmentations; its state travels in checkpoints. */
  generator: Generator;
  /** Epochs completed. */
  epoch = 0;
  /** Steps done in the current epoch, and its loss sum, count and seconds so far (a paused epoch). */
  private partial = { step: 0, lossSum: 0, lossCount: 0, seconds: 0 };

  constructor(readonly config: TrainConfig, readonly backend: Backend, readonly train: DeviceImages, readonly test: DeviceImages) {
    const init = new Generator(config.seed);
    this.encoder = new Encoder({ ...config, backend, generator: init });
    this.optimizer = new SGD(this.encoder.parameters(), { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay });
    this.bank = MemoryBank.random(train.count, config.dim, { backend, generator: init });
    this.generator = new Generator(config.seed + 1);
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.count / this.config.batch);
  }

  /** Feature-calibrate initialisation (METHOD.md §2): the untrained encoder's v of every image. */
  calibrate(): void {
    noGrad(() => {
      this.encoder.train(); // batch statistics, as the reference code does
      for (let start = 0; start < this.train.count; start += EVAL_BLOCK) {
        scope(() => this.bank.setRows(start, this.encoder.forward(this.plainBatch(this.train, start, Math.min(EVAL_BLOCK, this.train.count - start)))));
      }
    });
  }

  private plainBatch(set: DeviceImages, start: number, count: number): Tensor {
    const index = ops.tensor(Int32Array.from({ length: count }, (_, i) => start + i), [count], { backend: this.backend });
    return ops.augment(set.images, index, set.height, set.width, { crop: false, flip: false });
  }

  /** One epoch, or the rest of a paused one; `onStep` hears the progress and every logged loss. */
  trainEpoch(onStep: StepListener = () => {}): Promise<EpochResult> {
    return this.runEpoch(onStep);
  }

  private async runEpoch(onStep: StepListener): Promise<EpochResult> {
    const { batch, logEvery } = this.config;
    const order = shuffle(this.train.count, this.config.seed, 1 + this.epoch);
    const total = this.config.epochs * this.stepsPerEpoch;
    const start = performance.now();
    const partial = this.partial;
    const elapsed = () => partial.seconds + (performance.now() - start) / 1000;
    this.encoder.train();
    while (partial.step < this.stepsPerEpoch) {
      const s = partial.step;
      const step = this.epoch * this.stepsPerEpoch + s;
      this.optimizer.lr = cosineLr(this.config.lr, step, total);
      const index = order.subarray(s * batch, Math.min((s + 1) * batch, this.train.count));
      const loss = scope(() => {
        const idx = ops.tensor(index, [index.length], { backend: this.backend });
        let images = ops.augment(this.train.images, idx, this.train.height, this.train.width, { generator: this.generator });
        const mix = this.config.cutmix > 0 ? cutMix(images, this.config.cutmix, this.generator) : undefined;
        if (mix) images = mix.images;
        const v = this.encoder.forward(images);
        const columns = this.config.negatives > 0 ? sampleNegatives(this.train.count, index, this.config.negatives, this.config.seed, step) : undefined;
        const result = this.bank.step(v, idx, {
          tau: this.config.tau, lambda: this.config.lambda, momentum: this.config.m, update: this.config.update, columns, mix,
        });
        this.optimizer.zeroGrad();
        v.backward(result.gradV);
        this.optimizer.step();
        return result.loss;
      });
      let value: number | null = null;
      if (s % logEvery === logEvery - 1 || s === this.stepsPerEpoch - 1) {
        value = await loss.item();
        partial.lossSum += value;
        partial.lossCount++;
      }
      loss.dispose();
      partial.step++;
      if ((await onStep(s + 1, this.stepsPerEpoch, value)) === false && partial.step < this.stepsPerEpoch) {
        await this.backend.sync();
        partial.seconds = elapsed();
        return { loss: partial.lossSum / Math.max(partial.lossCount, 1), seconds: partial.seconds, complete: false };
      }
    }
    this.optimizer.zeroGrad();
    await this.backend.sync();
    this.epoch++;
    this.partial = { step: 0, lossSum: 0, lossCount: 0, seconds: 0 };
    return { loss: partial.lossSum / Math.max(partial.lossCount, 1), seconds: elapsed(), complete: true };
  }

  /** Unaugmented v and normalised h of every image of a set (eval-mode BatchNorm). */
  embed(set: DeviceImages): { v: Tensor; h: Tensor } {
    this.encoder.eval();
    return noGrad(() => scope(() => {
      const vs: Tensor[] = [], hs: Tensor[] = [];
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
    }));
  }

  /** Weighted kNN top-1 on the test split, with the training set as the bank, on v and on h. */
  async evaluate(options: { h?: boolean } = {}): Promise<{ knnV: number; knnH: number }> {
    const train = this.embed(this.train), test = this.embed(this.test);
    try {
      return {
        knnV: await knnAccuracy(train.v, this.train.labels, test.v, this.test.labels),
        knnH: options.h === false ? NaN : await knnAccuracy(train.h, this.train.labels, test.h, this.test.labels),
      };
    } finally {
      for (const t of [train.v, train.h, test.v, test.h]) t.dispose();
    }
  }

  /** Everything a resumed run needs: weights, velocities, bank, generator, epoch, config. */
  async snapshot(extra: Record<string, unknown> = {}): Promise<TensorFile> {
    const named: [string, Tensor][] = [...this.encoder.stateDict()];
    this.optimizer.velocities.forEach((v, i) => { if (v) named.push([`optimizer.velocity.${i}`, v]); });
    named.push(['bank', this.bank.rows]);
    return {
      meta: { ...extra, config: this.config, epoch: this.epoch, partial: this.partial, generator: this.generator.state() },
      tensors: await readTensors(named),
    };
  }

  /** Restores a snapshot made with the same configuration. */
  restore(bytes: Uint8Array, source: string): void {
    const file = decodeTensorFile(bytes, source);
    const meta = file.meta as { config: TrainConfig; epoch: number; partial?: Trainer['partial']; generator: { seed: number; counter: number } };
    for (const key of Object.keys(this.config) as (keyof TrainConfig)[]) {
      if (key !== 'epochs' && key !== 'logEvery' && meta.config[key] !== this.config[key]) {
        throw new Error(`${source}: was trained with ${key} = ${meta.config[key]}, this run has ${this.config[key]}`);
      }
    }
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
    const bank = load('bank');
    this.bank.setRows(0, bank);
    bank.dispose();
    this.generator = Generator.fromState(meta.generator);
    this.epoch = meta.epoch;
    this.partial = { step: 0, lossSum: 0, lossCount: 0, seconds: 0, ...meta.partial };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.encoder.dispose();
    this.bank.dispose();
  }
}
