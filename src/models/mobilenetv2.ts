// mobilenetv2 (Sandler et al. 2018, MobileNetV2) in a small-image form for 28×28 inputs:
// inverted residual blocks (a 1×1 expansion by t, a 3×3 depthwise convolution, ReLU6 after
// both, then a linear 1×1 projection; a residual where the shape is kept), with a width
// multiplier w. ImageNet's network divides its 224×224 input by 32 (a stride-2 stem and four
// stride-2 stages) down to 7×7; a 28×28 image affords a division by 4 to reach the same 7×7
// (fmnist-resnet's last resolution too), so the stem keeps stride 1 and only the 32- and
// 64-channel stages downsample, as in the usual CIFAR adaptation (which also keeps stride 2
// at 160 channels, for 32×32 → 4×4).
//
//   stem    conv3×3(in→32, stride 1, pad 1) · BN · ReLU6                       28×28
//   blocks  t   c     n   s   output   (s at 224×224)
//           1   16    1   1   28×28    1
//           6   24    2   1   28×28    2
//           6   32    3   2   14×14    2
//           6   64    4   2    7×7     2
//           6   96    3   1    7×7     1
//           6   160   3   1    7×7     2
//           6   320   1   1    7×7     1
//   head    conv1×1(320→1280) · BN · ReLU6, global average → h ∈ R^1280
//
// t: expansion, c: output channels, n: blocks, s: the first block's stride. Every c (and the
// stem's 32) is scaled by w and rounded to a multiple of 8, at least 8 (torchvision's rule);
// the head's 1280 grows with w above 1 but never shrinks.

import { BatchNorm, Conv2d, type InitOptions, Sequential } from '../engine/nn/layers.js';
import { Module } from '../engine/nn/module.js';
import { globalAvgPool2d } from '../engine/ops/pool.js';
import type { Tensor } from '../engine/tensor.js';
import type { Backbone, BackboneOptions } from './backbone.js';

/** The block table above: [t, c, n, s]. */
const MOBILENETV2_BLOCKS: readonly (readonly [t: number, c: number, n: number, s: number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 1],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 1],
  [6, 320, 1, 1],
];

/** `channels` rounded to the nearest multiple of 8, at least 8 and never below 90 % of `channels`. */
function divisibleBy8(channels: number): number {
  const rounded = Math.max(8, Math.floor((channels + 4) / 8) * 8);
  return rounded < 0.9 * channels ? rounded + 8 : rounded;
}

interface ConvBnOptions extends InitOptions {
  stride?: number;
  groups?: number;
  /** No ReLU6 after the BatchNorm: the projection of a linear bottleneck. */
  linear?: boolean;
}

/**
 * conv (padded to keep the size at stride 1) · BN, then ReLU6 unless `linear`: the ReLU6 (and
 * a residual, when the block passes one) in batch norm's own pass. Its layers are those of a
 * Sequential of the conv and the BN, whose names the checkpoints and the PyTorch export use.
 */
export class ConvBn extends Sequential {
  constructor(
    conv: Conv2d,
    bn: BatchNorm,
    readonly activation: 'relu6' | 'none',
  ) {
    super(conv, bn);
  }

  override forward(x: Tensor, residual?: Tensor): Tensor {
    const [conv, bn] = this.layers as [Conv2d, BatchNorm];
    return bn.forward(conv.forward(x), { residual, activation: this.activation });
  }
}

function convBn(inChannels: number, outChannels: number, kernel: number, options: ConvBnOptions): ConvBn {
  const { stride, groups, linear, ...init } = options;
  const conv = new Conv2d(inChannels, outChannels, kernel, { stride, padding: (kernel - 1) / 2, groups, ...init });
  return new ConvBn(conv, new BatchNorm(outChannels, init), linear ? 'none' : 'relu6');
}

/** Expansion (absent at t = 1) · depthwise · linear projection, plus x where the shape is kept. */
export class InvertedResidual extends Module {
  readonly expand?: ConvBn;
  readonly depthwise: ConvBn;
  readonly project: ConvBn;
  readonly residual: boolean;

  constructor(inChannels: number, outChannels: number, stride: number, expansion: number, init: InitOptions = {}) {
    super();
    const hidden = inChannels * expansion;
    if (expansion !== 1) this.expand = convBn(inChannels, hidden, 1, init);
    this.depthwise = convBn(hidden, hidden, 3, { ...init, stride, groups: hidden });
    this.project = convBn(hidden, outChannels, 1, { ...init, linear: true });
    this.residual = stride === 1 && inChannels === outChannels;
  }

  forward(x: Tensor): Tensor {
    const h = this.depthwise.forward(this.expand ? this.expand.forward(x) : x);
    return this.project.forward(h, this.residual ? x : undefined);
  }
}

export class MobileNetV2 extends Module implements Backbone {
  readonly stem: ConvBn;
  readonly blocks: InvertedResidual[] = [];
  readonly head: ConvBn;
  readonly features: number;

  constructor(options: BackboneOptions = {}) {
    super();
    const width = options.width ?? 1;
    const init: InitOptions = { backend: options.backend, generator: options.generator };
    let channels = divisibleBy8(32 * width);
    this.stem = convBn(options.inChannels ?? 1, channels, 3, init);
    for (const [t, c, n, s] of MOBILENETV2_BLOCKS) {
      const out = divisibleBy8(c * width);
      for (let i = 0; i < n; i++) {
        this.blocks.push(new InvertedResidual(channels, out, i === 0 ? s : 1, t, init));
        channels = out;
      }
    }
    this.features = divisibleBy8(1280 * Math.max(1, width));
    this.head = convBn(channels, this.features, 1, init);
  }

  /** [N, in, 28, 28] → pooled features h [N, 1280·max(1, w)]. */
  forward(x: Tensor): Tensor {
    const h = this.blocks.reduce((h, block) => block.forward(h), this.stem.forward(x));
    return globalAvgPool2d(this.head.forward(h));
  }
}
