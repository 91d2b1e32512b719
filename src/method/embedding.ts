// What a trained encoder makes of a whole set: its images unaugmented (normalised only), a block
// at a time, through the encoder in evaluation mode (BatchNorm's running statistics): the
// pooled backbone features h and the unit projections v, the same for any number of images.

import { noGrad } from '../engine/autograd/tape.js';
import * as ops from '../engine/ops/index.js';
import { keep, scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { type Arch, backboneCost } from '../models/archs.js';
import type { DeviceImages } from './data.js';
import type { Encoder } from './encoder.js';
import { augment } from './ops/augment.js';

/** Images per forward pass when embedding a whole set (calibration, evaluation), at the most. */
const EVAL_BLOCK = 500;

/**
 * Bytes of activations one such pass may hold: fmnist-resnet up to width 1 takes whole blocks
 * of EVAL_BLOCK 28×28 images (0.5 GiB at width 1), and so does resnet18 ×0.5 (0.9 GiB);
 * larger backbones take fewer (mobilenetv2 ×0.5 152, whose 500 would need 3.3 GiB, near
 * WebAssembly's 4 GiB heap).
 */
const EVAL_BLOCK_BYTES = 2 ** 30;

/**
 * Images per forward pass of a backbone when embedding a whole set: EVAL_BLOCK, or fewer where
 * their activations (measured on one 28×28 image, scaled by the images' area) pass EVAL_BLOCK_BYTES.
 */
export function evalBlock(arch: Arch, width: number, images: Pick<DeviceImages, 'channels' | 'height' | 'width'>): number {
  const bytes = (backboneCost(arch, width, images.channels).activationBytes * images.height * images.width) / (28 * 28);
  return Math.max(2, Math.min(EVAL_BLOCK, Math.floor(EVAL_BLOCK_BYTES / bytes)));
}

/** Images [start, start + count) of a set, unaugmented (normalised only). */
export function plainImages(set: DeviceImages, start: number, count: number): Tensor {
  const index = ops.tensor(
    Int32Array.from({ length: count }, (_, i) => start + i),
    [count],
    { backend: set.images.backend },
  );
  return augment(set.images, index, set.height, set.width, {
    crop: false,
    flip: false,
    channels: set.channels,
    mean: set.mean,
    std: set.std,
  });
}

/**
 * v [N, d] (unit rows) and h [N, features] of every image of a set, in order; h as the backbone
 * pools it, or L2-normalised with `unitH` (kNN's features), `block` images a pass (evalBlock). The
 * encoder is left in evaluation mode.
 */
export function encodeSet(encoder: Encoder, set: DeviceImages, unitH = false, block = EVAL_BLOCK): { v: Tensor; h: Tensor } {
  encoder.eval();
  return noGrad(() =>
    scope(() => {
      const vs: Tensor[] = [],
        hs: Tensor[] = [];
      for (let start = 0; start < set.count; start += block) {
        scope(() => {
          const h = encoder.features(plainImages(set, start, Math.min(block, set.count - start)));
          vs.push(keep(ops.l2Normalize(encoder.head.forward(h), 1)));
          hs.push(keep(unitH ? ops.l2Normalize(h, 1) : h));
        });
      }
      const result = { v: ops.concat(vs, 0), h: ops.concat(hs, 0) };
      for (const t of [...vs, ...hs]) t.dispose();
      return result;
    }),
  );
}
