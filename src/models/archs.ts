// The backbones by name (`--arch`), and what each costs: parameters, and multiply-adds and
// activation bytes per image counted from a trace of its forward pass (src/engine/trace.ts),
// so the counts follow the layers as they are and need no table of their own.

import { noGrad } from '../engine/autograd/tape.js';
import { zeros } from '../engine/ops/creation.js';
import { multiplyAdds, TracingBackend } from '../engine/trace.js';
import type { Backbone, BackboneOptions } from './backbone.js';
import { FmnistResNet } from './fmnist-resnet.js';
import { MobileNetV2 } from './mobilenetv2.js';
import { ResNet18 } from './resnet18.js';

export const ARCHS = {
  'fmnist-resnet': (options: BackboneOptions) => new FmnistResNet(options),
  resnet18: (options: BackboneOptions) => new ResNet18(options),
  mobilenetv2: (options: BackboneOptions) => new MobileNetV2(options),
} as const satisfies Record<string, (options: BackboneOptions) => Backbone>;

export type Arch = keyof typeof ARCHS;
export const ARCH_NAMES = Object.keys(ARCHS) as Arch[];

export function createBackbone(arch: Arch, options: BackboneOptions = {}): Backbone {
  return ARCHS[arch](options);
}

export interface BackboneCost {
  parameters: number;
  /** Multiply-adds of one 28×28 image's forward pass: the convolutions' and matrix products'. */
  macs: number;
  /** Size of h. */
  features: number;
  /**
   * Bytes of the tensors one image's forward pass makes (evaluation mode, no gradients): a
   * pass over N images in one scope holds N times this before the scope frees them.
   */
  activationBytes: number;
}

/** What `arch` at `width` costs, from its forward pass on one image traced in evaluation mode. */
export function backboneCost(arch: Arch, width: number, inChannels = 1): BackboneCost {
  const backend = new TracingBackend();
  const model = createBackbone(arch, { width, inChannels, backend }).eval();
  const input = zeros([1, inChannels, 28, 28], { backend });
  const before = backend.allocatedBytes;
  const calls = backend.record(() => noGrad(() => model.forward(input)));
  return {
    parameters: model.parameters().reduce((sum, p) => sum + p.size, 0),
    macs: calls.reduce((sum, call) => sum + multiplyAdds(call), 0),
    features: model.features,
    activationBytes: backend.allocatedBytes - before,
  };
}
