// The encoder of docs/method.md: backbone → pooled feature h → projection head → v = f/||f||.

import type { Backend } from '../engine/backend.js';
import { BatchNorm, Linear, ReLU, Sequential } from '../engine/nn/layers.js';
import { Module } from '../engine/nn/module.js';
import { l2Normalize } from '../engine/ops/normalization.js';
import type { Generator } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { type Arch, createBackbone } from '../models/archs.js';
import type { Backbone } from '../models/backbone.js';

/**
 * The projection head: 'mlp' is the method's (Linear·BN·ReLU twice, then Linear, docs/method.md);
 * 'mlp2' SimCLR's, one hidden layer (Linear·BN·ReLU·Linear); 'linear' one Linear.
 */
export type HeadKind = 'mlp' | 'mlp2' | 'linear';

export interface EncoderOptions {
  arch: Arch;
  width: number;
  head: HeadKind;
  /** Hidden size of the MLP head (docs/method.md: 512 for the small backbones). */
  hidden: number;
  /** Size of v. */
  dim: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  backend?: Backend;
  generator?: Generator;
}

/** `features` → d through the hidden layers of `o.head`, each Linear·BN·ReLU, then a Linear. */
function projectionHead(features: number, o: EncoderOptions): Sequential {
  const init = { backend: o.backend, generator: o.generator };
  const layers: Module[] = [];
  let inputs = features;
  for (let i = 0; i < { linear: 0, mlp2: 1, mlp: 2 }[o.head]; i++) {
    layers.push(new Linear(inputs, o.hidden, init), new BatchNorm(o.hidden, { backend: o.backend }), new ReLU());
    inputs = o.hidden;
  }
  return new Sequential(...layers, new Linear(inputs, o.dim, init));
}

export class Encoder extends Module {
  readonly backbone: Backbone;
  readonly head: Sequential;

  constructor(options: EncoderOptions) {
    super();
    const { width, inChannels, backend, generator } = options;
    this.backbone = createBackbone(options.arch, { width, inChannels, backend, generator });
    this.head = projectionHead(this.backbone.features, options);
  }

  /** The pooled backbone feature h [N, C] (the linear probe's input). */
  features(x: Tensor): Tensor {
    return this.backbone.forward(x);
  }

  /** v [N, d], unit rows. */
  forward(x: Tensor): Tensor {
    return l2Normalize(this.head.forward(this.features(x)), 1);
  }
}
