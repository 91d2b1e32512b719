// Reading the IDX files from disk in Node, gzip or raw.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataFileError, type LabelledImages, pairImages, parseIdx } from './idx.js';

export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

function readIdx(path: string, rank: number) {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new DataFileError(path, `corrupt gzip data (${(error as Error).message})`);
    }
  }
  return parseIdx(bytes, path, rank);
}

/** `<prefix>-ubyte.gz` or `<prefix>-ubyte` in dir. */
function locate(dir: string, prefix: string): string {
  for (const name of [`${prefix}-ubyte.gz`, `${prefix}-ubyte`]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new DataFileError(join(dir, `${prefix}-ubyte.gz`), `not found (install Debian's dataset-fashion-mnist, or pass --data DIR)`);
}

/** The train or test split of (Fashion-)MNIST from `dir`. */
export function loadSplit(dir: string, split: 'train' | 'test'): LabelledImages {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = locate(dir, `${prefix}-images-idx3`);
  const labelsFile = locate(dir, `${prefix}-labels-idx1`);
  return pairImages(readIdx(imagesFile, 3), imagesFile, readIdx(labelsFile, 1), labelsFile);
}
