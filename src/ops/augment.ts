// Images stored on the device as packed 8-bit pixels, and the batch augmentation of
// METHOD.md §1 drawn from them in one kernel (no per-image JavaScript).

import type { Backend } from '../backend.js';
import { getBackend } from '../engine.js';
import { globalGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { checkDType, checkInputs, checkRank } from './util.js';

/** Fashion-MNIST's pixel statistics (METHOD.md §8). */
export const FMNIST_MEAN = 0.286;
export const FMNIST_STD = 0.353;

/** `count` images of height×width 8-bit pixels as a u32 tensor [count, height·width/4]. */
export function packImages(pixels: Uint8Array, count: number, height: number, width: number, backend: Backend = getBackend()): Tensor {
  const plane = height * width;
  if (plane % 4 !== 0) throw new Error(`packImages: ${height}×${width} images do not pack into 32-bit words (need a multiple of 4 pixels)`);
  if (pixels.length !== count * plane) throw new Error(`packImages: ${pixels.length} pixels for ${count} images of ${height}×${width}`);
  const words = new Uint32Array(pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.length));
  return tensor(words, [count, plane / 4], { backend });
}

export interface AugmentOptions {
  /** Random resized crop (default on). */
  crop?: boolean;
  /** Crop area as a fraction of the image (default [0.2, 1]). */
  scale?: [number, number];
  /** Crop aspect ratio, drawn log-uniformly (default [3/4, 4/3]). */
  ratio?: [number, number];
  /** Random horizontal flip (default on). */
  flip?: boolean;
  mean?: number;
  std?: number;
  generator?: Generator;
}

/**
 * [B, 1, H, W] normalised images: image index[b] of the packed `images`, randomly cropped,
 * resized back bilinearly and flipped (semantics: AugmentParams in src/backend.ts). With
 * crop and flip off, the plain normalised images (for evaluation).
 */
export function augment(images: Tensor, index: Tensor, height: number, width: number, options: AugmentOptions = {}): Tensor {
  const backend = checkInputs('augment', images, index);
  checkDType('augment', images, 'u32');
  checkDType('augment', index, 'i32');
  checkRank('augment', 'index', index, 1);
  if (images.rank !== 2 || images.shape[1]! * 4 !== height * width) {
    throw new Error(`augment: images [${images.shape.join(', ')}] are not packed ${height}×${width} images ([N, ${(height * width) / 4}])`);
  }
  const generator = options.generator ?? globalGenerator();
  const batch = index.size;
  const out = Tensor.empty(backend, [batch, 1, height, width], 'f32');
  const [scaleMin, scaleMax] = options.scale ?? [0.2, 1];
  const [ratioMin, ratioMax] = options.ratio ?? [3 / 4, 4 / 3];
  if (batch > 0) {
    backend.augment(images.storage, index.storage, out.storage, {
      batch, height, width, key: generator.key, counter: generator.reserve(8 * batch),
      crop: options.crop ?? true, scaleMin, scaleMax, ratioMin, ratioMax, flip: options.flip ?? true,
      mean: options.mean ?? FMNIST_MEAN, std: options.std ?? FMNIST_STD,
    });
  }
  return out;
}
