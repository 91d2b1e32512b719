// The dual-branch baseline of docs/method.md §6: SimCLR (Chen et al. 2020). Two random
// augmentations of every image of the batch go through the encoder together, and the NT-Xent
// loss asks each view to pick its partner out of the other 2B − 1 views. Same encoder
// backbone, optimiser, schedule, data and evaluation as the method (EncoderTrainer), so what
// differs between the two is what the method saves: the second view and its activations.

import type { Backend } from '../engine/backend.js';
import * as ops from '../engine/ops/index.js';
import { Generator } from '../engine/random.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { ENCODER_RANGES, TRAIN_RANGES } from './config.js';
import type { DeviceImages } from './data.js';
import { type EncoderTrainConfig, EncoderTrainer } from './encoder-trainer.js';
import { DEFAULTS } from './train.js';

export interface SimCLRConfig extends EncoderTrainConfig {
  /** NT-Xent's temperature. */
  tau: number;
}

/**
 * SimCLR at the method's setting (backbone, batch, SGD, schedule, seed), with SimCLR's own
 * projection head, one hidden layer (Linear·BN·ReLU·Linear, hidden 512, d 128), and τ 0.5.
 */
export const SIMCLR_DEFAULTS: SimCLRConfig = {
  epochs: DEFAULTS.epochs,
  batch: DEFAULTS.batch,
  lr: DEFAULTS.lr,
  momentum: DEFAULTS.momentum,
  weightDecay: DEFAULTS.weightDecay,
  arch: DEFAULTS.arch,
  width: DEFAULTS.width,
  head: 'mlp2',
  hidden: DEFAULTS.hidden,
  dim: DEFAULTS.dim,
  seed: DEFAULTS.seed,
  logEvery: DEFAULTS.logEvery,
  warmup: DEFAULTS.warmup,
  cropMin: DEFAULTS.cropMin,
  rotate: DEFAULTS.rotate,
  translate: DEFAULTS.translate,
  erase: DEFAULTS.erase,
  jitter: DEFAULTS.jitter,
  grayscale: DEFAULTS.grayscale,
  tau: 0.5,
};

/** Added to each view's similarity to itself: far below any other logit, so exp() of it is 0. */
const SELF_MASK = -1e9;

/** NT-Xent's constants for 2B views: the mask that leaves out each view's own similarity, and each view's partner. */
export interface NtXentTargets {
  mask: Tensor;
  partner: Tensor;
}

export function ntXentTargets(rows: number, backend: Backend): NtXentTargets {
  const diagonal = new Float32Array(rows * rows);
  for (let i = 0; i < rows; i++) diagonal[i * (rows + 1)] = SELF_MASK;
  return {
    mask: ops.tensor(diagonal, [rows, rows], { backend }),
    partner: ops.tensor(
      Int32Array.from({ length: rows }, (_, i) => (i + rows / 2) % rows),
      [rows],
      { backend },
    ),
  };
}

/**
 * NT-Xent over 2B views z [2B, d] with unit rows, view 1 of image b at row b and view 2 at
 * row B + b: with s = z zᵀ / τ and row i's own entry left out, the mean over the rows of
 * −log softmax(s_i)[i + B mod 2B]. Built from differentiable ops. `targets` (made once per
 * batch size by a caller that loops) saves building them again.
 */
export function ntXent(z: Tensor, tau: number, targets?: NtXentTargets): Tensor {
  const [rows] = z.shape as [number, number];
  if (z.rank !== 2 || rows % 2 !== 0 || rows === 0)
    throw new Error(`ntXent: expected [2B, d], two views of each image, got [${z.shape.join(', ')}]`);
  const { mask, partner } = targets ?? ntXentTargets(rows, z.backend);
  const logits = z
    .matmul(z, { transB: true })
    .mul(1 / tau)
    .add(mask);
  return ops.crossEntropy(logits, partner).mean();
}

/** SimCLR: two views of each image, one forward of the 2B views, NT-Xent, backward, SGD. */
export class SimCLRTrainer extends EncoderTrainer<SimCLRConfig> {
  /** NT-Xent's constants by number of views: the full batch's and the last, shorter one's. */
  private readonly targets = new Map<number, NtXentTargets>();

  constructor(config: SimCLRConfig, backend: Backend, train: DeviceImages, test: DeviceImages) {
    super(config, backend, train, test, new Generator(config.seed), { ...ENCODER_RANGES, tau: TRAIN_RANGES.tau });
  }

  protected trainStep(index: Int32Array): Tensor {
    // the batch twice over: augment() draws every row's crop and flip independently
    const twice = new Int32Array(2 * index.length);
    twice.set(index);
    twice.set(index, index.length);
    const views = this.augment(ops.tensor(twice, [twice.length], { backend: this.backend }));
    const loss = ntXent(this.encoder.forward(views), this.config.tau, this.targetsFor(twice.length));
    this.applyGradients(() => loss.backward());
    return loss;
  }

  private targetsFor(rows: number): NtXentTargets {
    let targets = this.targets.get(rows);
    if (!targets) {
      const made = ntXentTargets(rows, this.backend);
      targets = { mask: keep(made.mask), partner: keep(made.partner) };
      this.targets.set(rows, targets);
    }
    return targets;
  }

  override dispose(): void {
    super.dispose();
    for (const { mask, partner } of this.targets.values()) {
      mask.dispose();
      partner.dispose();
    }
    this.targets.clear();
  }
}
