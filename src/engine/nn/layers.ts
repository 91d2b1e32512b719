// The layers of the backbones (src/models): Conv2d, BatchNorm, Linear, ReLU, ReLU6, pooling, Sequential, BasicBlock.

import type { Activation, Backend } from '../backend.js';
import { getBackend } from '../current.js';
import * as ops from '../ops/index.js';
import { type Generator, globalGenerator } from '../random.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface InitOptions {
  backend?: Backend;
  /** Stream for the initial weights (the global one by default). */
  generator?: Generator;
}

function parameter(t: Tensor): Tensor {
  return keep(t).requireGrad();
}

function buffer(t: Tensor): Tensor {
  return keep(t);
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias?: Tensor;

  constructor(
    inChannels: number,
    outChannels: number,
    kernel: number,
    readonly options: { stride?: number; padding?: number; groups?: number; bias?: boolean } & InitOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    const backend = options.backend ?? getBackend();
    const generator = options.generator ?? globalGenerator();
    // Kaiming normal for ReLU nets, fan-out mode (torchvision's ResNet initialisation)
    const std = Math.sqrt(2 / (outChannels * kernel * kernel));
    this.weight = parameter(ops.randn([outChannels, inChannels / groups, kernel, kernel], { std, backend, generator }));
    if (options.bias) this.bias = parameter(ops.zeros([outChannels], { backend }));
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, groups } = this.options;
    return ops.conv2d(x, this.weight, { stride, padding, groups, bias: this.bias });
  }
}

/** Batch normalisation over the channel axis of [N, C, H, W] or [N, C]. */
export class BatchNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(
    channels: number,
    readonly options: { eps?: number; momentum?: number; backend?: Backend } = {},
  ) {
    super();
    const backend = options.backend ?? getBackend();
    this.weight = parameter(ops.ones([channels], { backend }));
    this.bias = parameter(ops.zeros([channels], { backend }));
    this.runningMean = buffer(ops.zeros([channels], { backend }));
    this.runningVar = buffer(ops.ones([channels], { backend }));
  }

  /** Normalises x; `then` adds a residual and applies an activation in the same pass (ops.batchNorm). */
  forward(x: Tensor, then: { residual?: Tensor; activation?: Activation } = {}): Tensor {
    return ops.batchNorm(x, this.weight, this.bias, {
      training: this.training,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      momentum: this.options.momentum ?? 0.1,
      eps: this.options.eps ?? 1e-5,
      ...then,
    });
  }
}

export { BatchNorm as BatchNorm2d, BatchNorm as BatchNorm1d };

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias?: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } & InitOptions = {}) {
    super();
    const backend = options.backend ?? getBackend();
    const generator = options.generator ?? globalGenerator();
    // PyTorch's default: U(-1/√in, 1/√in) for weight and bias
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = parameter(ops.rand([outFeatures, inFeatures], { low: -bound, high: bound, backend, generator }));
    if (options.bias ?? true) this.bias = parameter(ops.rand([outFeatures], { low: -bound, high: bound, backend, generator }));
  }

  forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** min(max(x, 0), 6): MobileNetV2's activation, bounded for low-precision inference. */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return ops.relu6(x);
  }
}

/** [N, …] → [N, rest]: between a conv stack and a linear layer. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0]!, -1]);
  }
}

export class MaxPool2d extends Module {
  constructor(readonly options: ops.Pool2dOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    return ops.maxPool2d(x, this.options);
  }
}

/** [N, C, H, W] → [N, C]. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return ops.globalAvgPool2d(x);
  }
}

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, layer) => layer.forward(h), x);
  }
}

/** conv3×3·BN·ReLU·conv3×3·BN, plus the shortcut (conv1×1·BN when the shape changes), then ReLU. */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly shortcut?: Sequential;

  constructor(inChannels: number, outChannels: number, stride = 1, init: InitOptions = {}) {
    super();
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, ...init });
    this.bn1 = new BatchNorm(outChannels, init);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, ...init });
    this.bn2 = new BatchNorm(outChannels, init);
    if (stride !== 1 || inChannels !== outChannels) {
      this.shortcut = new Sequential(new Conv2d(inChannels, outChannels, 1, { stride, ...init }), new BatchNorm(outChannels, init));
    }
  }

  forward(x: Tensor): Tensor {
    const h = this.bn1.forward(this.conv1.forward(x), { activation: 'relu' });
    const skip = this.shortcut ? this.shortcut.forward(x) : x;
    return this.bn2.forward(this.conv2.forward(h), { residual: skip, activation: 'relu' });
  }
}
