// The training and test images on the device, as packed 8-bit pixels, and seeded shuffles.

import type { Backend } from '../backend.js';
import type { LabelledImages } from '../data/idx.js';
import { packImages } from '../ops/augment.js';
import { keep } from '../scope.js';
import { philoxBlock } from '../random.js';
import type { Tensor } from '../tensor.js';

/** A permutation of [0, n) from Philox under `seed` (Fisher–Yates; the same in every run). */
export function shuffle(n: number, seed: number, stream = 0): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const key: [number, number] = [seed >>> 0, stream >>> 0];
  let words: number[] = [];
  for (let i = n - 1; i > 0; i--) {
    if (words.length === 0) words = philoxBlock(key, 0, i);
    const j = words.pop()! % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export interface DeviceImages {
  /** Packed pixels [count, H·W/4] u32. */
  images: Tensor;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Images `pick` of a split (all of it by default), uploaded once. */
export function toDevice(split: LabelledImages, backend: Backend, pick?: Int32Array): DeviceImages {
  const plane = split.height * split.width;
  const order = pick ?? Int32Array.from({ length: split.count }, (_, i) => i);
  const pixels = new Uint8Array(order.length * plane);
  const labels = new Uint8Array(order.length);
  order.forEach((source, i) => {
    pixels.set(split.pixels.subarray(source * plane, (source + 1) * plane), i * plane);
    labels[i] = split.labels[source]!;
  });
  const images = keep(packImages(pixels, order.length, split.height, split.width, backend));
  return { images, labels, count: order.length, height: split.height, width: split.width };
}
