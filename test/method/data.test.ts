// Reading the IDX files: every bad file is refused with its name and what is wrong, before
// memory is spent on what its header does not declare.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, loadSplit } from '../../src/data/fashion-mnist.js';
import { splitFromFiles } from '../../src/data/web-files.js';
import { ReferenceBackend } from '../../src/engine/backends/reference/backend.js';
import { prepareData, shuffle } from '../../src/method/data.js';
import { neighbours } from '../../src/method/knn.js';
import { dataset, idx } from '../helpers/idx.js';

const images = (n: number) =>
  idx(
    3,
    [n, 2, 2],
    Array.from({ length: n * 4 }, (_, i) => i % 256),
  );
const labels = (values: number[]) => idx(1, [values.length], values);
const backend = new ReferenceBackend();

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

describe('data sets', () => {
  const split = (n: number, height: number, width: number) => ({
    images: idx(3, [n, height, width], new Array(n * height * width).fill(7)),
    labels: labels(Array.from({ length: n }, (_, i) => i % 10)),
  });
  const files = (train: ReturnType<typeof split>, test: ReturnType<typeof split>) => ({
    'train-images-idx3-ubyte': train.images,
    'train-labels-idx1-ubyte': train.labels,
    't10k-images-idx3-ubyte': test.images,
    't10k-labels-idx1-ubyte': test.labels,
  });
  const prepare = (dir: string) => prepareData(loadSplit(dir, 'train'), loadSplit(dir, 'test'), backend, { subset: 0, seed: 0 });

  it('train and test images must be of one size, packable 4 pixels a word', () => {
    const mixed = dataset(files(split(4, 28, 28), split(2, 16, 49)));
    const [testFile, trainFile] = [join(mixed, 't10k-images-idx3-ubyte'), join(mixed, 'train-images-idx3-ubyte')];
    expect(() => prepare(mixed)).toThrow(`${testFile}: test images of 16×49 pixels, but the training images (${trainFile}) are 28×28`);
    const odd = dataset(files(split(4, 3, 3), split(2, 3, 3)));
    expect(() => prepare(odd)).toThrow(`${join(odd, 'train-images-idx3-ubyte')}: images of 3×3 pixels: the trainer packs 4 pixels a word`);
    const fine = prepare(dataset(files(split(4, 2, 6), split(2, 2, 6))));
    expect([fine.train.count, fine.test.count, fine.test.height, fine.test.width]).toEqual([4, 2, 2, 6]);
  });

  it('an empty split, or images of no pixels, are refused', () => {
    const empty = dataset(files(split(4, 28, 28), split(0, 28, 28)));
    expect(() => loadSplit(empty, 'test')).toThrow(`${join(empty, 't10k-images-idx3-ubyte')}: holds no images`);
    const flat = dataset(files(split(4, 0, 28), split(1, 28, 28)));
    expect(() => loadSplit(flat, 'train')).toThrow(`${join(flat, 'train-images-idx3-ubyte')}: holds images of 0×28 pixels`);
  });

  it('a directory where a file or a file where the directory is expected: one line naming it', () => {
    const dir = dataset({ 'train-labels-idx1-ubyte': labels([0]) });
    mkdirSync(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(() => loadSplit(dir, 'train')).toThrow(
      `${join(dir, 'train-images-idx3-ubyte.gz')}: is a directory, where an IDX file is expected`,
    );
    const file = join(dir, 'train-labels-idx1-ubyte');
    expect(() => loadSplit(file, 'train')).toThrow(`${file}: is a file, where a directory of IDX files is expected`);
    expect(() => loadSplit(join(dir, 'nothing'), 'train')).toThrow(`${join(dir, 'nothing')}: no such directory`);
  });

  it('a missing file speaks of the data set given; only the default directory suggests installing Fashion-MNIST', () => {
    const dir = dataset({ 'train-images-idx3-ubyte': images(1) });
    const load = () => loadSplit(dir, 'train');
    expect(load).toThrow(
      `${join(dir, 'train-labels-idx1-ubyte.gz')}: not found (nor train-labels-idx1-ubyte) in ${dir}, the data set given`,
    );
    expect(load).not.toThrow(/apt-get|Fashion/i);
  });

  it.skipIf(!existsSync(DEFAULT_DATA_DIR))('reads the installed Fashion-MNIST (gzip, bounded by its headers)', () => {
    const test = loadSplit(DEFAULT_DATA_DIR, 'test');
    expect([test.count, test.height, test.width, test.pixels.length]).toEqual([10000, 28, 28, 7840000]);
  });
});

describe('sizes are bounded by the header before memory is spent', () => {
  const declared = idx(3, [10, 28, 28], []); // 7,856 bytes in all, by its header
  const bomb = () => {
    const bytes = new Uint8Array(declared.length + 20 * 2 ** 20); // 20 MiB of zeros behind it
    bytes.set(declared);
    return gzipSync(bytes);
  };
  const message = 'decompresses to more than the 7856 bytes its header declares (10×28×28)';

  it('a gzip file that expands past its header is cut off there, in Node and in the page', async () => {
    const compressed = bomb();
    expect(compressed.length).toBeLessThan(100_000);
    const dir = dataset({ 'train-images-idx3-ubyte.gz': compressed, 'train-labels-idx1-ubyte': labels([0]) });
    expect(() => loadSplit(dir, 'train')).toThrow(`${join(dir, 'train-images-idx3-ubyte.gz')}: ${message}`);
    const picked = [
      { name: 'train-images-idx3-ubyte.gz', bytes: compressed },
      { name: 'train-labels-idx1-ubyte', bytes: labels([0]) },
    ];
    await expect(splitFromFiles(picked, 'train')).rejects.toThrow(`train-images-idx3-ubyte.gz: ${message}`);
  });

  it('a header that declares more than the reader takes is refused before reading on, gzip or raw', async () => {
    const huge = idx(3, [100000, 10000, 10000], new Array(16).fill(0));
    const refusal = 'declares dimensions 100000×10000×10000 (9313.2 GiB), more than the 2.0 GiB this reader takes';
    const dir = dataset({ 'train-images-idx3-ubyte': huge, 'train-labels-idx1-ubyte': labels([0]) });
    expect(() => loadSplit(dir, 'train')).toThrow(`${join(dir, 'train-images-idx3-ubyte')}: ${refusal}`);
    const gz = dataset({ 'train-images-idx3-ubyte.gz': gzipSync(huge), 'train-labels-idx1-ubyte': labels([0]) });
    expect(() => loadSplit(gz, 'train')).toThrow(`${join(gz, 'train-images-idx3-ubyte.gz')}: ${refusal}`);
    const picked = [
      { name: 'train-images-idx3-ubyte.gz', bytes: gzipSync(huge) },
      { name: 'train-labels-idx1-ubyte', bytes: labels([0]) },
    ];
    await expect(splitFromFiles(picked, 'train')).rejects.toThrow(`train-images-idx3-ubyte.gz: ${refusal}`);
  });

  it('images with channels (4 dimensions) are told apart from another format', () => {
    const dir = dataset({ 'train-images-idx3-ubyte': idx(4, [1, 2, 2, 3], new Array(12).fill(0)), 'train-labels-idx1-ubyte': labels([0]) });
    expect(() => loadSplit(dir, 'train')).toThrow('holds an array of 4 dimensions, expected 3 (images × rows × columns, one channel)');
  });
});

it('kNN votes with k neighbours, or every bank row where there are fewer', () => {
  expect([neighbours(60000), neighbours(100), neighbours(100, 50)]).toEqual([200, 100, 50]);
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
