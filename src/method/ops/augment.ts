// Images stored on the device as packed 8-bit pixels, and the batch augmentation of
// docs/method.md §1 drawn from them in one kernel (no per-image JavaScript).

import type { Backend } from '../../engine/backend.js';
import { getBackend } from '../../engine/current.js';
import { tensor } from '../../engine/ops/creation.js';
import { checkDType, checkInputs, checkRank } from '../../engine/ops/util.js';
import { type Generator, globalGenerator } from '../../engine/random.js';
import { Tensor } from '../../engine/tensor.js';
import { METHOD_KERNELS } from '../kernels.js';

/** Fashion-MNIST's pixel statistics (docs/method.md §8). */
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
  /** Largest random rotation in degrees, either way (default 0: none). */
  rotate?: number;
  /** Largest random shift as a fraction of the side, either way (default 0: none). */
  translate?: number;
  /** Probability of random erasing (default 0: never). */
  erase?: number;
  /** Erased area as a fraction of the image (default [0.02, 0.33], torchvision's RandomErasing). */
  eraseScale?: [number, number];
  /** Aspect ratio of the erased box, drawn log-uniformly (default [0.3, 3.3]). */
  eraseRatio?: [number, number];
  mean?: number;
  std?: number;
  generator?: Generator;
}

/**
 * [B, 1, H, W] normalised images: image index[b] of the packed `images`, randomly cropped,
 * resized back bilinearly and flipped (semantics: AugmentParams in src/method/kernels.ts). With
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
  const { rotate = 0, translate = 0, erase = 0 } = options;
  const [eraseScaleMin, eraseScaleMax] = options.eraseScale ?? [0.02, 0.33];
  const [eraseRatioMin, eraseRatioMax] = options.eraseRatio ?? [0.3, 3.3];
  const ranges: [string, number, number, number][] = [
    ['scale', scaleMin, scaleMax, 1],
    ['eraseScale', eraseScaleMin, eraseScaleMax, 1],
  ];
  for (const [name, low, high, top] of ranges) {
    if (!(low > 0 && low <= high && high <= top)) throw new Error(`augment: ${name} must be 0 < min ≤ max ≤ ${top}, got [${low}, ${high}]`);
  }
  if (!(rotate >= 0 && rotate <= 180)) throw new Error(`augment: rotate must be in [0, 180] degrees, got ${rotate}`);
  if (!(translate >= 0 && translate <= 1)) throw new Error(`augment: translate must be in [0, 1], got ${translate}`);
  if (!(erase >= 0 && erase <= 1)) throw new Error(`augment: erase must be a probability, got ${erase}`);
  // the third Philox block per image only when it is used, so plain crops draw what they always drew
  const blocks = rotate > 0 || translate > 0 || erase > 0 ? 3 : 2;
  if (batch > 0) {
    backend.run(METHOD_KERNELS.augment, {
      pixels: images.storage,
      index: index.storage,
      out: out.storage,
      batch,
      height,
      width,
      key: generator.key,
      counter: generator.reserve(4 * blocks * batch),
      blocks,
      crop: options.crop ?? true,
      scaleMin,
      scaleMax,
      ratioMin,
      ratioMax,
      flip: options.flip ?? true,
      rotateTurns: rotate / 360,
      translate,
      erase,
      eraseScaleMin,
      eraseScaleMax,
      eraseRatioMin,
      eraseRatioMax,
      mean: options.mean ?? FMNIST_MEAN,
      std: options.std ?? FMNIST_STD,
    });
  }
  return out;
}
