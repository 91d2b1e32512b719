// What every backbone is to the method (src/method/encoder.ts): a module from images
// [N, inChannels, 28, 28] to pooled features h [N, features].

import type { InitOptions } from '../engine/nn/layers.js';
import type { Module } from '../engine/nn/module.js';

export type Backbone = Module & {
  /** Size of the pooled feature h. */
  readonly features: number;
};

export interface BackboneOptions extends InitOptions {
  /** Channel multiplier of every layer (each backbone says what width 1 is). */
  width?: number;
  /** Channels of the input images: 1 for Fashion-MNIST. */
  inChannels?: number;
}
