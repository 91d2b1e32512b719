// The supervised reference: the same backbone, augmentation, optimiser and schedule as the
// method, trained with the labels (cross-entropy through one linear layer on h). It is the
// ceiling the self-supervised rows are read against; its "v" is the normalised logits, so
// the same kNN and linear probe evaluate it.

import { noGrad } from '../engine/autograd/tape.js';
import type { Backend } from '../engine/backend.js';
import * as ops from '../engine/ops/index.js';
import { Generator } from '../engine/random.js';
import { keep, scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { OptionError } from '../engine/values.js';
import type { DeviceImages } from './data.js';
import { plainImages } from './embedding.js';
import { type EncoderTrainConfig, EncoderTrainer } from './encoder-trainer.js';

export type SupervisedConfig = EncoderTrainConfig;

export class SupervisedTrainer extends EncoderTrainer<SupervisedConfig> {
  /** The training labels on the device, i32 [N]. */
  private readonly labels: Tensor;

  /** `config.head` must be 'linear' and `config.dim` the number of classes: the classifier is the head. */
  constructor(config: SupervisedConfig, backend: Backend, train: DeviceImages, test: DeviceImages) {
    const classes = Math.max(...train.labels) + 1;
    if (config.head !== 'linear' || config.dim !== classes) {
      throw new OptionError(
        `SupervisedTrainer: the head must be linear with dim ${classes} (one logit a class), got ${config.head} with dim ${config.dim}`,
      );
    }
    super(config, backend, train, test, new Generator(config.seed));
    this.labels = keep(ops.tensor(Int32Array.from(train.labels), [train.count], { backend }));
  }

  protected trainStep(_index: Int32Array, idx: Tensor): Tensor {
    const logits = this.encoder.head.forward(this.encoder.features(this.augment(idx)));
    const loss = ops.crossEntropy(logits, this.labels.gather(idx)).mean();
    this.applyGradients(() => loss.backward());
    return loss;
  }

  /** Top-1 of the classifier (the head's largest logit) on a set, unaugmented, with eval-mode BatchNorm. */
  async accuracy(set: DeviceImages = this.test): Promise<number> {
    this.encoder.eval();
    let correct = 0;
    for (let start = 0; start < set.count; start += this.evalBlock) {
      const count = Math.min(this.evalBlock, set.count - start);
      const predicted = noGrad(() =>
        scope(() => ops.argmax(this.encoder.head.forward(this.encoder.features(plainImages(set, start, count))), 1)),
      );
      const values = await predicted.data();
      predicted.dispose();
      for (let i = 0; i < count; i++) if (values[i] === set.labels[start + i]) correct++;
    }
    return correct / set.count;
  }

  override dispose(): void {
    super.dispose();
    this.labels.dispose();
  }
}
