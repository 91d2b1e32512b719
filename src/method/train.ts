// The method of docs/method.md: one augmented view per image, the memory-bank loss with its
// gradient-corrected update, the feature-calibrated bank. The loop around its step (SGD with
// a cosine schedule, weighted kNN after each epoch, checkpoints) is EncoderTrainer's.
// Platform-neutral: the CLI (src/cli/) adds files, progress and checkpoints on disk.

import { noGrad } from '../engine/autograd/tape.js';
import type { Backend } from '../engine/backend.js';
import { Generator } from '../engine/random.js';
import { scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { TRAIN_RANGES } from './config.js';
import { cutMix } from './cutmix.js';
import { batchCount, type DeviceImages, imagesIn, sampleNegatives } from './data.js';
import { plainImages } from './embedding.js';
import { type EncoderTrainConfig, EncoderTrainer } from './encoder-trainer.js';
import { MemoryBank } from './memory-bank.js';

export type { EpochResult, StepListener } from './encoder-trainer.js';

export interface TrainConfig extends EncoderTrainConfig {
  tau: number;
  lambda: number;
  /** Memory momentum of the bank update. */
  m: number;
  init: 'random' | 'calibrate';
  /** Sampled negatives K per step; 0 (or K at least the rows outside the batch): every bank row (docs/method.md §3). */
  negatives: number;
  /** CutMix's α across the batch; 0: off (docs/method.md §1). */
  cutmix: number;
  update: 'npid' | 'corrected';
}

/** The paper's method (docs/method.md §6); the setting of issue 4's acceptance run. */
export const DEFAULTS: TrainConfig = {
  epochs: 15,
  // batch, lr, warm-up and the crop's lower bound: the recipe search's winners (README, "The
  // recipe search"; 0.2–1, ImageNet's crop, is too harsh for objects that fill the frame)
  batch: 128,
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  arch: 'fmnist-resnet',
  width: 0.5,
  head: 'mlp',
  hidden: 512,
  dim: 128,
  tau: 0.1,
  lambda: 20,
  m: 0.5,
  negatives: 0,
  cutmix: 0,
  init: 'calibrate',
  update: 'corrected',
  seed: 0,
  logEvery: 5,
  warmup: 1,
  cropMin: 0.7,
  rotate: 0,
  translate: 0,
  erase: 0,
  // SimCLR's colour distortion for colour images: s 0.5 (its CIFAR-10 strength), grayscale 0.2
  jitter: 0.5,
  grayscale: 0.2,
};

export const PRESETS = {
  ours: { init: 'calibrate', update: 'corrected', lambda: 20 },
  npid: { init: 'random', update: 'npid', lambda: 0 },
} as const satisfies Record<string, Partial<TrainConfig>>;

/** The method: one augmented view per image against the memory bank (docs/method.md §1–4). */
export class Trainer extends EncoderTrainer<TrainConfig> {
  readonly bank: MemoryBank;

  constructor(config: TrainConfig, backend: Backend, train: DeviceImages, test: DeviceImages) {
    const init = new Generator(config.seed);
    super(config, backend, train, test, init, TRAIN_RANGES);
    this.bank = MemoryBank.random(train.count, config.dim, { backend, generator: init });
  }

  /** Feature-calibrate initialisation (docs/method.md §2): the untrained encoder's v of every image. */
  calibrate(): void {
    noGrad(() => {
      this.encoder.train(); // batch statistics, as the reference code does
      // blocks cut as training batches are: a last block of one image would leave BatchNorm one value per channel
      const { count } = this.train;
      const block = this.evalBlock;
      for (let b = 0; b < batchCount(count, block); b++) {
        const start = imagesIn(b, count, block);
        scope(() => this.bank.setRows(start, this.encoder.forward(plainImages(this.train, start, imagesIn(b + 1, count, block) - start))));
      }
    });
  }

  protected trainStep(index: Int32Array, idx: Tensor, step: number): Tensor {
    let images = this.augment(idx);
    const mix = this.config.cutmix > 0 ? cutMix(images, this.config.cutmix, this.generator) : undefined;
    if (mix) images = mix.images;
    const v = this.encoder.forward(images);
    // K sampled from no more than K rows is all of them: the whole bank, as K = 0 asks
    const sampled = this.config.negatives > 0 && this.config.negatives < this.train.count - index.length;
    const columns = sampled ? sampleNegatives(this.train.count, index, this.config.negatives, this.config.seed, step) : undefined;
    const result = this.bank.step(v, idx, {
      tau: this.config.tau,
      lambda: this.config.lambda,
      m: this.config.m,
      update: this.config.update,
      columns,
      mix,
    });
    this.applyGradients(() => v.backward(result.gradV));
    return result.loss;
  }

  protected override stateTensors(): [string, Tensor][] {
    return [['bank', this.bank.rows]];
  }

  protected override restoreState(tensors: ReadonlyMap<string, Tensor>): void {
    this.bank.setRows(0, tensors.get('bank')!);
  }

  override dispose(): void {
    super.dispose();
    this.bank.dispose();
  }
}
