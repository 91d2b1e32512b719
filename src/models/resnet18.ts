// resnet18 (He et al. 2016, ResNet-18) in its small-image form, as CIFAR work uses it: a 3×3
// stem at stride 1 and no max-pool, so that a 28×28 image keeps its resolution into layer1.
//   stem    conv3×3(in→C, stride 1, pad 1) · BN · ReLU           28×28
//   layer1  BasicBlock(C→C) · BasicBlock(C→C)                     28×28
//   layer2  BasicBlock(C→2C, stride 2) · BasicBlock(2C→2C)        14×14
//   layer3  BasicBlock(2C→4C, stride 2) · BasicBlock(4C→4C)        7×7
//   layer4  BasicBlock(4C→8C, stride 2) · BasicBlock(8C→8C)        4×4
//   pool    global average → h ∈ R^8C                             (C = 64 at width 1: h of 512)

import { BasicBlock, BatchNorm, Conv2d, type InitOptions, Sequential } from '../engine/nn/layers.js';
import { Module } from '../engine/nn/module.js';
import { globalAvgPool2d } from '../engine/ops/pool.js';
import type { Tensor } from '../engine/tensor.js';
import type { Backbone, BackboneOptions } from './backbone.js';

/** Two BasicBlocks, the first changing the channels and the stride. */
function stage(inChannels: number, outChannels: number, stride: number, init: InitOptions): Sequential {
  return new Sequential(new BasicBlock(inChannels, outChannels, stride, init), new BasicBlock(outChannels, outChannels, 1, init));
}

export class ResNet18 extends Module implements Backbone {
  readonly stem: Conv2d;
  readonly stemBn: BatchNorm;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly features: number;

  /** width: 1 gives 64/128/256/512 channels. */
  constructor(options: BackboneOptions = {}) {
    super();
    const c = Math.max(1, Math.round(64 * (options.width ?? 1)));
    const init: InitOptions = { backend: options.backend, generator: options.generator };
    this.stem = new Conv2d(options.inChannels ?? 1, c, 3, { padding: 1, ...init });
    this.stemBn = new BatchNorm(c, init);
    this.layer1 = stage(c, c, 1, init);
    this.layer2 = stage(c, 2 * c, 2, init);
    this.layer3 = stage(2 * c, 4 * c, 2, init);
    this.layer4 = stage(4 * c, 8 * c, 2, init);
    this.features = 8 * c;
  }

  /** [N, in, 28, 28] → pooled features h [N, 8C]. */
  forward(x: Tensor): Tensor {
    const stem = this.stemBn.forward(this.stem.forward(x), { activation: 'relu' });
    return globalAvgPool2d([this.layer1, this.layer2, this.layer3, this.layer4].reduce((h, layer) => layer.forward(h), stem));
  }
}
