// What the train and experiment commands share: the data on the device and the pixel baseline.

import type { Backend } from '../backend.js';
import { loadSplit } from '../data/node-files.js';
import * as ops from '../ops/index.js';
import { scope } from '../scope.js';
import { prepareData, type DeviceImages } from '../method/data.js';
import { knnAccuracy } from '../method/knn.js';

/** The training subset (seeded shuffle of the split) and the test split (its first `testSubset`; 0: all), on the device. */
export function loadData(dir: string, subset: number, backend: Backend, seed: number, testSubset = 0): { train: DeviceImages; test: DeviceImages } {
  return prepareData(loadSplit(dir, 'train'), loadSplit(dir, 'test'), backend, { subset, seed, testSubset });
}

/** kNN on the standardised, L2-normalised pixels: no network at all (METHOD.md §5). */
export async function pixelKnn(train: DeviceImages, test: DeviceImages): Promise<number> {
  const pixels = (set: DeviceImages) => scope(() => {
    const index = ops.tensor(Int32Array.from({ length: set.count }, (_, i) => i), [set.count], { backend: set.images.backend });
    return ops.l2Normalize(ops.augment(set.images, index, set.height, set.width, { crop: false, flip: false }).reshape([set.count, -1]), 1);
  });
  const a = pixels(train), b = pixels(test);
  try {
    return await knnAccuracy(a, train.labels, b, test.labels);
  } finally {
    a.dispose();
    b.dispose();
  }
}

