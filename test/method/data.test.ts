// Reading the IDX files: every bad file is refused with its name and what is wrong.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadSplit } from '../../src/data/fashion-mnist.js';
import { shuffle } from '../../src/method/data.js';
import { dataset, idx } from '../helpers/idx.js';

const images = (n: number) =>
  idx(
    3,
    [n, 2, 2],
    Array.from({ length: n * 4 }, (_, i) => i % 256),
  );
const labels = (values: number[]) => idx(1, [values.length], values);

describe('IDX files', () => {
  it('reads gzip and raw files alike', () => {
    const dir = dataset({ 'train-images-idx3-ubyte.gz': gzipSync(images(3)), 'train-labels-idx1-ubyte': labels([0, 9, 4]) });
    const split = loadSplit(dir, 'train');
    expect([split.count, split.height, split.width]).toEqual([3, 2, 2]);
    expect(Array.from(split.labels)).toEqual([0, 9, 4]);
    expect(Array.from(split.pixels.subarray(4, 8))).toEqual([4, 5, 6, 7]);
  });

  it('names the file and the problem', () => {
    const cases: [Record<string, Uint8Array>, string][] = [
      [
        { 'train-images-idx3-ubyte': images(3).subarray(0, 20), 'train-labels-idx1-ubyte': labels([0, 1, 2]) },
        'train-images-idx3-ubyte: truncated: 4 data bytes for dimensions 3×2×2 (expected 12)',
      ],
      [
        { 'train-images-idx3-ubyte': idx(3, [3, 2, 2], new Array(12).fill(0), 0x0d), 'train-labels-idx1-ubyte': labels([0, 1, 2]) },
        'train-images-idx3-ubyte: wrong magic number 0x00000d03',
      ],
      [
        { 'train-images-idx3-ubyte': images(3), 'train-labels-idx1-ubyte': labels([0, 1]) },
        'train-labels-idx1-ubyte: 2 labels for 3 images',
      ],
      [
        { 'train-images-idx3-ubyte': images(2), 'train-labels-idx1-ubyte': labels([0, 12]) },
        'train-labels-idx1-ubyte: label 12 at index 1 is not a class',
      ],
      [
        { 'train-images-idx3-ubyte.gz': gzipSync(images(2)).subarray(0, 15), 'train-labels-idx1-ubyte': labels([0, 1]) },
        'train-images-idx3-ubyte.gz: corrupt gzip data',
      ],
      [{ 'train-labels-idx1-ubyte': labels([0]) }, 'train-images-idx3-ubyte.gz: not found'],
    ];
    for (const [files, message] of cases) expect(() => loadSplit(dataset(files), 'train')).toThrow(message);
  });
});

it('shuffles with a seed: a permutation, the same every time, different per seed', () => {
  const a = shuffle(1000, 7);
  expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  expect(shuffle(1000, 7)).toEqual(a);
  expect(shuffle(1000, 8)).not.toEqual(a);
});

it('samples distinct negatives after the batch rows, the same for the same step', async () => {
  const { sampleNegatives } = await import('../../src/method/data.js');
  const own = Int32Array.from([5, 9, 0]);
  const columns = sampleNegatives(50, own, 40, 1, 3);
  expect(Array.from(columns.subarray(0, 3))).toEqual([5, 9, 0]);
  expect(new Set(columns).size).toBe(43);
  expect(columns.every((c) => c >= 0 && c < 50)).toBe(true);
  expect(sampleNegatives(50, own, 40, 1, 3)).toEqual(columns);
  expect(sampleNegatives(50, own, 40, 1, 4)).not.toEqual(columns);
  expect(() => sampleNegatives(50, own, 48, 1, 3)).toThrow('--negatives 48: only 47 rows are not in the batch');
});
