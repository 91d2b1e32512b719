// fmnist-resnet (docs/method.md §8): a small ResNet for 28×28 images, with a width multiplier.
//   stem   conv3×3(in→C, pad 1) · BN · ReLU                      28×28
//   stage1 BasicBlock(C→C)                                        28×28
//   stage2 BasicBlock(C→2C, stride 2)                             14×14
//   stage3 BasicBlock(2C→4C, stride 2)                             7×7
//   pool   global average → h ∈ R^4C                              (C = 32 at width 1)

import { BasicBlock, BatchNorm, Conv2d, type InitOptions } from '../engine/nn/layers.js';
import { Module } from '../engine/nn/module.js';
import { globalAvgPool2d } from '../engine/ops/pool.js';
import type { Tensor } from '../engine/tensor.js';
import type { Backbone, BackboneOptions } from './backbone.js';

/** width: 1 gives 32/64/128 channels, 0.5 gives 16/32/64. */
export type FmnistResNetOptions = BackboneOptions;

export class FmnistResNet extends Module implements Backbone {
  readonly stem: Conv2d;
  readonly stemBn: BatchNorm;
  readonly stage1: BasicBlock;
  readonly stage2: BasicBlock;
  readonly stage3: BasicBlock;
  /** Size of the pooled feature h. */
  readonly features: number;

  constructor(options: FmnistResNetOptions = {}) {
    super();
    const c = Math.max(1, Math.round(32 * (options.width ?? 1)));
    const init: InitOptions = { backend: options.backend, generator: options.generator };
    this.stem = new Conv2d(options.inChannels ?? 1, c, 3, { padding: 1, ...init });
    this.stemBn = new BatchNorm(c, init);
    this.stage1 = new BasicBlock(c, c, 1, init);
    this.stage2 = new BasicBlock(c, 2 * c, 2, init);
    this.stage3 = new BasicBlock(2 * c, 4 * c, 2, init);
    this.features = 4 * c;
  }

  /** [N, in, 28, 28] → pooled features h [N, 4C]. */
  forward(x: Tensor): Tensor {
    const stem = this.stemBn.forward(this.stem.forward(x), { activation: 'relu' });
    return globalAvgPool2d(this.stage3.forward(this.stage2.forward(this.stage1.forward(stem))));
  }
}

/** The distinct convolutions of fmnist-resnet: input shape, weight shape, stride, padding. */
export function fmnistResNetConvShapes(
  batch: number,
  width = 1,
): { name: string; x: number[]; w: number[]; stride: number; padding: number }[] {
  const c = Math.max(1, Math.round(32 * width));
  return [
    { name: 'stem 3×3 1→C', x: [batch, 1, 28, 28], w: [c, 1, 3, 3], stride: 1, padding: 1 },
    { name: 'stage1 3×3 C→C', x: [batch, c, 28, 28], w: [c, c, 3, 3], stride: 1, padding: 1 },
    { name: 'stage2 3×3 C→2C s2', x: [batch, c, 28, 28], w: [2 * c, c, 3, 3], stride: 2, padding: 1 },
    { name: 'stage2 3×3 2C→2C', x: [batch, 2 * c, 14, 14], w: [2 * c, 2 * c, 3, 3], stride: 1, padding: 1 },
    { name: 'stage2 shortcut 1×1 s2', x: [batch, c, 28, 28], w: [2 * c, c, 1, 1], stride: 2, padding: 0 },
    { name: 'stage3 3×3 2C→4C s2', x: [batch, 2 * c, 14, 14], w: [4 * c, 2 * c, 3, 3], stride: 2, padding: 1 },
    { name: 'stage3 3×3 4C→4C', x: [batch, 4 * c, 7, 7], w: [4 * c, 4 * c, 3, 3], stride: 1, padding: 1 },
    { name: 'stage3 shortcut 1×1 s2', x: [batch, 2 * c, 14, 14], w: [4 * c, 2 * c, 1, 1], stride: 2, padding: 0 },
  ];
}
