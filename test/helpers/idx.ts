// IDX files (the MNIST format) and data directories made of them, for tests of the readers
// and of the command line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabelledImages } from '../../src/data/idx.js';
import { seededRandom } from './oracle.js';

/** An IDX file: magic (0, 0, type, rank), the dimensions big-endian, then the bytes. */
export function idx(rank: number, dims: number[], data: ArrayLike<number>, magicType = 0x08): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * rank));
  header.setUint8(2, magicType);
  header.setUint8(3, rank);
  for (const [i, d] of dims.entries()) header.setUint32(4 + 4 * i, d);
  const bytes = new Uint8Array(header.byteLength + data.length);
  bytes.set(new Uint8Array(header.buffer));
  bytes.set(data, header.byteLength);
  return bytes;
}

/** A fresh directory holding the given files. */
export function dataset(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/**
 * A small stand-in for Fashion-MNIST's four files: 28×28 images whose class is a bright band
 * at a class-dependent row, over noise.
 */
export function bandedImages(trainCount: number, testCount: number, random: () => number): Record<string, Uint8Array> {
  const split = (count: number) => {
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
    const images = new Uint8Array(count * 784);
    labels.forEach((label, i) => {
      for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(random() * 96) + (Math.floor(p / 28) >> 1 === label + 2 ? 150 : 0);
    });
    return { images, labels };
  };
  const train = split(trainCount),
    test = split(testCount);
  return {
    'train-images-idx3-ubyte': idx(3, [trainCount, 28, 28], train.images),
    'train-labels-idx1-ubyte': idx(1, [trainCount], train.labels),
    't10k-images-idx3-ubyte': idx(3, [testCount, 28, 28], test.images),
    't10k-labels-idx1-ubyte': idx(1, [testCount], test.labels),
  };
}

/** `count` images of bandedImages' training split, drawn under `seed`, as the readers return them. */
export function bandedSplit(count: number, seed: number): LabelledImages {
  const files = bandedImages(count, 0, seededRandom(seed));
  return {
    pixels: files['train-images-idx3-ubyte'].subarray(16),
    labels: files['train-labels-idx1-ubyte'].subarray(8),
    count,
    height: 28,
    width: 28,
  };
}
