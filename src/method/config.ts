// What each field of a training configuration may be, declared once: the trainers refuse a
// config outside these ranges (validateConfig), and the command line's flag table
// (src/settings.ts) takes each flag's range from here, so `--batch -5` and
// `new Trainer({ ...DEFAULTS, batch: -5 }, …)` are refused alike.

import { checkValue, type Kind } from '../engine/values.js';
import { ARCH_NAMES } from '../models/archs.js';
import type { EncoderTrainConfig } from './encoder-trainer.js';
import type { TrainConfig } from './train.js';

/** The fields every trainer has (EncoderTrainConfig). */
export const ENCODER_RANGES = {
  epochs: { integer: [1, 1e6] },
  batch: { integer: [2, 65536] }, // BatchNorm needs two images
  lr: { number: [0, 100] },
  momentum: { number: [0, 1] },
  weightDecay: { number: [0, 1] },
  arch: { choice: ARCH_NAMES },
  width: { number: [0.03125, 16] }, // at least one channel in the first layer (32 × width)
  head: { choice: ['mlp', 'mlp2', 'linear'] },
  hidden: { integer: [1, 65536] },
  dim: { integer: [1, 65536] },
  seed: { integer: [0, 2 ** 31] },
  logEvery: { integer: [1, 1e6] },
  warmup: { number: [0, 1e6] },
  cropMin: { number: [0.01, 1] },
  rotate: { number: [0, 180] },
  translate: { number: [0, 1] },
  erase: { number: [0, 1] },
  jitter: { number: [0, 2.5] }, // hue shifts of 0.2·s stay within half a turn
  grayscale: { number: [0, 1] },
} as const satisfies Record<keyof EncoderTrainConfig, Kind>;

/** The method's fields (TrainConfig): its own, then every trainer's. */
export const TRAIN_RANGES = {
  ...ENCODER_RANGES,
  tau: { number: [1e-3, 100] },
  lambda: { number: [0, 1e6] },
  m: { number: [0, 1] },
  init: { choice: ['random', 'calibrate'] },
  negatives: { integer: [0, 1e9] },
  cutmix: { number: [0, 1e3] },
  update: { choice: ['npid', 'corrected'] },
} as const satisfies Record<keyof TrainConfig, Kind>;

/**
 * Settings added after checkpoints were first written, with the value every run before them
 * had: a checkpoint that lacks one was trained with it. (The colour distortion's touch only
 * colour images, which no run had before them: their defaults.)
 */
export const IMPLIED_SETTINGS: Partial<EncoderTrainConfig> = { arch: 'fmnist-resnet', jitter: 0.5, grayscale: 0.2 };

/** Throws an OptionError naming the first field of `config` that `ranges` does not allow (a missing one included). */
export function validateConfig(config: object, ranges: Record<string, Kind> = TRAIN_RANGES): void {
  for (const [field, kind] of Object.entries(ranges)) checkValue(`config.${field}`, kind, (config as Record<string, unknown>)[field]);
}
