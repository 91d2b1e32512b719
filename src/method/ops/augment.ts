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

/**
 * `count` images of `channels` planes of height×width 8-bit pixels (image after image, each
 * plane after plane) as a u32 tensor [count, channels·height·width/4].
 */
export function packImages(
  pixels: Uint8Array,
  count: number,
  height: number,
  width: number,
  backend: Backend = getBackend(),
  channels = 1,
): Tensor {
  const plane = channels * height * width;
  const size = `${channels > 1 ? `${channels}×` : ''}${height}×${width}`;
  if (plane % 4 !== 0) throw new Error(`packImages: ${size} images do not pack into 32-bit words (need a multiple of 4 pixels)`);
  if (pixels.length !== count * plane) throw new Error(`packImages: ${pixels.length} pixels for ${count} images of ${size}`);
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
  /** Planes per image (default 1; the images must have been packed with as many). */
  channels?: number;
  /**
   * Colour-jitter strength s for 3-channel images (default 0: none): brightness, contrast and
   * saturation factors in [max(0, 1 − 0.8s), 1 + 0.8s], hue shifts in [−0.2s, 0.2s], as SimCLR's
   * ColorJitter(0.8s, 0.8s, 0.8s, 0.2s).
   */
  jitter?: number;
  /** Probability of the colour jitter (default 0.8, SimCLR's). */
  jitterProbability?: number;
  /** Probability of random grayscale for 3-channel images (default 0: never; SimCLR's is 0.2). */
  grayscale?: number;
  /** Normalisation per channel, or one value for every channel (default Fashion-MNIST's). */
  mean?: number | readonly number[];
  std?: number | readonly number[];
  generator?: Generator;
}

/** A value per channel from one value or a list of `channels`. */
function perChannel(name: string, value: number | readonly number[], channels: number): number[] {
  const values = typeof value === 'number' ? Array.from({ length: channels }, () => value) : [...value];
  if (values.length !== channels) throw new Error(`augment: ${name} has ${values.length} values for ${channels} channels`);
  return values;
}

/**
 * [B, C, H, W] normalised images: image index[b] of the packed `images`, randomly cropped,
 * resized back bilinearly and flipped, colour-distorted where asked (semantics: AugmentParams in
 * src/method/kernels.ts). With crop and flip off, the plain normalised images (for evaluation).
 */
export function augment(images: Tensor, index: Tensor, height: number, width: number, options: AugmentOptions = {}): Tensor {
  const backend = checkInputs('augment', images, index);
  checkDType('augment', images, 'u32');
  checkDType('augment', index, 'i32');
  checkRank('augment', 'index', index, 1);
  const { channels = 1, jitter = 0, jitterProbability = 0.8, grayscale = 0 } = options;
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= 4)) throw new Error(`augment: channels must be 1 to 4, got ${channels}`);
  if (images.rank !== 2 || images.shape[1]! * 4 !== channels * height * width) {
    const size = `${channels > 1 ? `${channels}×` : ''}${height}×${width}`;
    throw new Error(`augment: images [${images.shape.join(', ')}] are not packed ${size} images ([N, ${(channels * height * width) / 4}])`);
  }
  if (!(jitter >= 0 && jitter <= 2.5)) throw new Error(`augment: jitter must be a strength in [0, 2.5], got ${jitter}`);
  for (const [name, p] of [
    ['jitterProbability', jitterProbability],
    ['grayscale', grayscale],
  ] as const) {
    if (!(p >= 0 && p <= 1)) throw new Error(`augment: ${name} must be a probability, got ${p}`);
  }
  const colour = (jitter > 0 && jitterProbability > 0) || grayscale > 0;
  if (colour && channels !== 3) throw new Error(`augment: colour jitter and grayscale need 3 channels, got ${channels}`);
  const generator = options.generator ?? globalGenerator();
  const batch = index.size;
  const out = Tensor.empty(backend, [batch, channels, height, width], 'f32');
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
  const mean = perChannel('mean', options.mean ?? FMNIST_MEAN, channels),
    std = perChannel('std', options.std ?? FMNIST_STD, channels);
  if (batch > 0) {
    backend.run(METHOD_KERNELS.augment, {
      pixels: images.storage,
      index: index.storage,
      out: out.storage,
      batch,
      height,
      width,
      key: generator.key,
      counter: generator.reserve(4 * (blocks + (colour ? 2 : 0)) * batch),
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
      channels,
      colour,
      jitter: jitter > 0 ? jitterProbability : 0,
      brightness: 0.8 * jitter,
      contrast: 0.8 * jitter,
      saturation: 0.8 * jitter,
      hue: 0.2 * jitter,
      grayscale,
      mean,
      std,
    });
  }
  return out;
}
