// The training and test images on the device, as packed 8-bit pixels, and seeded shuffles.

import { checkSplits, type LabelledImages, selectImages } from '../data/idx.js';
import type { Backend } from '../engine/backend.js';
import { philoxBlock } from '../engine/random.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkValue, OptionError } from '../engine/values.js';
import { FMNIST_MEAN, FMNIST_STD, packImages } from './ops/augment.js';

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

/**
 * The softmax columns of one step with sampled negatives: the batch's own rows, then `k`
 * distinct other rows of [0, n), drawn from Philox under (seed, step).
 */
export function sampleNegatives(n: number, own: Int32Array, k: number, seed: number, step: number): Int32Array {
  if (k > n - own.length) throw new Error(`--negatives ${k}: only ${n - own.length} rows are not in the batch`);
  const taken = new Set(own);
  const columns = Int32Array.from({ length: own.length + k });
  columns.set(own);
  const key: [number, number] = [seed >>> 0, 0x6e6567]; // its own stream
  let filled = own.length,
    block = 0,
    words: number[] = [];
  while (filled < columns.length) {
    if (words.length === 0) words = philoxBlock(key, step * 2 ** 20, block++);
    const row = words.pop()! % n;
    if (!taken.has(row)) {
      taken.add(row);
      columns[filled++] = row;
    }
  }
  return columns;
}

export interface DeviceImages {
  /** Packed pixels [count, C·H·W/4] u32. */
  images: Tensor;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  /** Planes per image: 1 (gray) or 3 (red, green, blue). */
  channels: number;
  /** The normalisation of every channel (the training images' mean and deviation, fractions of 255). */
  mean: readonly number[];
  std: readonly number[];
}

/** What a trainer's images are: their shape and their normalisation (a checkpoint records it). */
export type ImageFormat = Pick<DeviceImages, 'channels' | 'height' | 'width' | 'mean' | 'std'>;

/** Fashion-MNIST's, and that of every checkpoint written before images had a format. */
export const FASHION_MNIST_FORMAT: ImageFormat = { channels: 1, height: 28, width: 28, mean: [FMNIST_MEAN], std: [FMNIST_STD] };

/** Just the format of a set, its fields in one order. */
export function imageFormat(set: ImageFormat): ImageFormat {
  return { channels: set.channels, height: set.height, width: set.width, mean: [...set.mean], std: [...set.std] };
}

export function sameFormat(a: ImageFormat, b: ImageFormat): boolean {
  return JSON.stringify(imageFormat(a)) === JSON.stringify(imageFormat(b));
}

/** A checkpoint's record of a format, checked (null where it is not one). */
export function readImageFormat(value: unknown): ImageFormat | null {
  if (typeof value !== 'object' || value === null) return null;
  const { channels, height, width, mean, std } = value as Record<string, unknown>;
  const dimension = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= 65536;
  const perChannel = (x: unknown, low: number) =>
    Array.isArray(x) && x.length === channels && x.every((v) => typeof v === 'number' && v >= low && v <= 1);
  if (!dimension(height) || !dimension(width) || !(Number.isInteger(channels) && (channels as number) >= 1 && (channels as number) <= 4))
    return null;
  if (!perChannel(mean, 0) || !perChannel(std, Number.MIN_VALUE)) return null;
  return imageFormat({ channels, height, width, mean, std } as ImageFormat);
}

/** A set's format in words: "3-channel 32×32 images normalised with mean [0.5, 0.4, 0.3] and deviation […]". */
export function describeFormat(f: ImageFormat): string {
  const list = (values: readonly number[]) => `[${values.map((v) => Number(v.toPrecision(6))).join(', ')}]`;
  return `${f.channels}-channel ${f.height}×${f.width} images normalised with mean ${list(f.mean)} and deviation ${list(f.std)}`;
}

/**
 * The classes kNN and the linear probe tell apart: the largest label + 1, and at least
 * Fashion-MNIST's 10 (its runs keep the probe they always trained).
 */
export function classCount(...sets: { labels: Uint8Array }[]): number {
  return sets.reduce((most, set) => set.labels.reduce((m, label) => Math.max(m, label + 1), most), 10);
}

/**
 * Images `pick` of a split (all of it by default), uploaded once, to be normalised with
 * `normalisation` (default: the split's own, else Fashion-MNIST's).
 */
export function toDevice(
  split: LabelledImages,
  backend: Backend,
  pick?: Int32Array,
  normalisation: Pick<LabelledImages, 'mean' | 'std'> = split,
): DeviceImages {
  const channels = split.channels ?? 1;
  const { pixels, labels, count } = selectImages(split, pick ?? Int32Array.from({ length: split.count }, (_, i) => i));
  const images = keep(packImages(pixels, count, split.height, split.width, backend, channels));
  const mean = normalisation.mean ?? Array.from({ length: channels }, () => FMNIST_MEAN);
  const std = normalisation.std ?? Array.from({ length: channels }, () => FMNIST_STD);
  return { images, labels, count, height: split.height, width: split.width, channels, mean, std };
}

/**
 * How many images of a split of `count` a subset of `asked` takes (0: all). More than the
 * split has is refused, not cut short: the error names `label` (`--subset`, `testSubset`…) and
 * the split's size.
 */
export function subsetCount(label: string, asked: number, count: number, split = 'training set'): number {
  if (asked > count) throw new OptionError(`${label} ${asked}: the ${split} has ${count.toLocaleString('en-US')} images`);
  return (checkValue(label, { integer: [0, count] }, asked) as number) || count;
}

/** Which images of a split of `count` make the training subset, in order (0: all). */
export function subsetOrder(count: number, subset: number, seed: number): Int32Array {
  return shuffle(count, seed).subarray(0, subsetCount('subset', subset, count));
}

/**
 * A class-balanced subset of `count` of the images labelled `labels`, as their indices in
 * increasing order: class c takes as many as the k < count with k mod classes = c (so the
 * classes differ by one at most), the first of its images in a shuffle under (seed, c). The
 * same seed gives nested subsets: a smaller count's is part of a larger's. `count` at least
 * the images there are: all of them. A class with fewer images than its share is refused.
 */
export function balancedSubset(labels: ArrayLike<number>, count: number, seed: number, classes = 10): Int32Array {
  if (count >= labels.length) return Int32Array.from({ length: labels.length }, (_, i) => i);
  const picked: number[] = [];
  for (let c = 0; c < classes; c++) {
    const members = Array.from(labels, (label, i) => (label === c ? i : -1)).filter((i) => i >= 0);
    const share = Math.floor(count / classes) + (c < count % classes ? 1 : 0);
    if (share > members.length)
      throw new Error(`a balanced subset of ${count} needs ${share} images of class ${c}; there are ${members.length}`);
    const order = shuffle(members.length, seed, 0x6c61626c + c); // a stream of its own per class
    for (let k = 0; k < share; k++) picked.push(members[order[k]!]!);
  }
  return Int32Array.from(picked).sort();
}

/**
 * The training subset (the first `subset` images after a shuffle under `seed`; 0: all) and
 * the test images (the first `testSubset`; 0: all), on the device.
 */
export function prepareData(
  trainSplit: LabelledImages,
  testSplit: LabelledImages,
  backend: Backend,
  options: { subset: number; seed: number; testSubset?: number },
): { train: DeviceImages; test: DeviceImages } {
  checkSplits(trainSplit, testSplit);
  const pick = subsetOrder(trainSplit.count, options.subset, options.seed);
  const testCount = subsetCount('testSubset', options.testSubset ?? 0, testSplit.count, 'test set');
  const testPick = testCount < testSplit.count ? Int32Array.from({ length: testCount }, (_, i) => i) : undefined;
  // both normalised as the training images are
  return { train: toDevice(trainSplit, backend, pick), test: toDevice(testSplit, backend, testPick, trainSplit) };
}

/**
 * A labelled set cut in two for evaluation: of each class, a seeded fifth (rounded down) is
 * held out as the test split, the rest trains. `seed` is the run's: the same run cuts the same.
 */
export function holdOut<S extends LabelledImages>(set: S, seed: number, fraction = 0.2): { train: S; test: S } {
  const order = shuffle(set.count, seed, 0x686f6c64); // its own stream ("hold")
  const byClass = new Map<number, number[]>();
  for (const i of order) {
    const rows = byClass.get(set.labels[i]!) ?? [];
    rows.push(i);
    byClass.set(set.labels[i]!, rows);
  }
  const testRows = new Set([...byClass.values()].flatMap((rows) => rows.slice(0, Math.floor(rows.length * fraction))));
  const pick = (test: boolean) => Int32Array.from({ length: set.count }, (_, i) => i).filter((i) => testRows.has(i) === test);
  return { train: selectImages(set, pick(false)), test: selectImages(set, pick(true)) };
}

/** Images `rows` of a set (in that order), with what else the set carries per image (names). */
/**
 * How many batches of `size` cut `count` images. The last batch takes what is left, and a last
 * batch of a single image joins the one before it: batch-statistics BatchNorm cannot
 * normalise one value per channel (the MLP head's), and merging, unlike dropping, keeps every
 * image in every epoch, so each memory-bank row is updated once an epoch. Only that case
 * differs from plain ceil(count / size): every other size trains exactly as before.
 */
export function batchCount(count: number, size: number): number {
  const batches = Math.ceil(count / size);
  return batches > 1 && count % size === 1 ? batches - 1 : batches;
}

/** Images in the first `batches` of the batchCount(count, size) batches (the end of batch `batches − 1`). */
export function imagesIn(batches: number, count: number, size: number): number {
  return batches >= batchCount(count, size) ? count : batches * size;
}
