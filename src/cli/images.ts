// `--images DIR`: a folder of pictures as a run's data. Each picture is resized once to
// --size (src/data/images.ts); a file that is not one is skipped with a warning naming it. With
// subfolders (classes), a seeded fifth of each class is held out for kNN and the linear probe,
// and the rest trains; without, every picture trains and nothing is evaluated. The training
// images' per-channel mean and deviation normalise both splits (a checkpoint records them).

import { DataFileError } from '../data/idx.js';
import { loadImageFile, loadImageFolder } from '../data/image-files.js';
import { channelStats, type ImageSet } from '../data/images.js';
import type { Backend } from '../engine/backend.js';
import { OptionError } from '../engine/values.js';
import { type DeviceImages, holdOut, type ImageFormat, prepareData, subsetCount, subsetOrder, toDevice } from '../method/data.js';
import { ProgressBar } from './progress.js';
import { DeviceData } from './session.js';

/** A DataFileError about `path` itself as a usage error of `flag` (exit code 2): the flag named a wrong thing. */
function asUsage<T>(flag: string, path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DataFileError && error.file === path) throw new OptionError(`${flag} ${error.message}`);
    throw error;
  }
}

/** The pictures of a folder at `size` (with `channels` where given), each file skipped named on stderr, with a progress bar. */
export function readImageFolder(dir: string, size: number, channels?: 1 | 3): ImageSet {
  let bar: ProgressBar | undefined;
  const onProgress = (done: number, total: number) => {
    bar ??= new ProgressBar(`reading ${dir}`, total, 'files');
    bar.update(done, done);
    if (done === total) bar.finish();
  };
  const onSkip = (file: string, problem: string) => {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K'); // off the bar's line
    console.warn(`warning: skipped ${file}: ${problem}`);
  };
  return asUsage('--images', dir, () => loadImageFolder(dir, { size, channels, onSkip, onProgress }));
}

/** One picture (a search's query) as a set of one image. */
export function readImage(path: string, size: number, channels: 1 | 3): ImageSet {
  return asUsage('--query', path, () => loadImageFile(path, size, channels));
}

/** A folder's pictures on a run's device. */
export interface FolderData {
  data: DeviceData;
  /** Whether kNN and the probe have a labelled test split. */
  labelled: boolean;
  /** What the run trains on, in a line. */
  description: string;
}

/**
 * The pictures of `set` as a run's data: with classes, the training split is what holdOut
 * leaves (its first `subset` after the seeded shuffle; 0: all), the test split the held-out
 * fifth; without, all of it trains and the test split is the training set (not evaluated).
 * Normalised with `format`'s mean and deviation where given (a checkpoint's), else the training
 * split's own.
 */
export function folderData(set: ImageSet, dir: string, subset: number, seed: number, backend: Backend, format?: ImageFormat): FolderData {
  const split = set.classes.length > 0 ? holdOut(set, seed) : null;
  const labelled = split !== null && split.test.count > 0;
  const train = labelled ? split.train : set;
  subsetCount('--subset', subset, train.count);
  const normalised = { ...train, ...(format ? { mean: format.mean, std: format.std } : channelStats(train)) };
  const shape = `${set.channels}×${set.height}×${set.width}`;
  const classes = `${set.classes.length} classes (subfolders)`;
  const why = split ? `${classes}, too few a class to hold a fifth out` : 'no subfolders (classes)';
  const description = labelled
    ? `${dir}: ${set.count} pictures of ${classes}, ${shape}; ${split.test.count} held out for kNN and the linear probe`
    : `${dir}: ${set.count} pictures, ${shape}; ${why}: no labelled evaluation`;
  const data = new DeviceData(backend, (on) => {
    if (labelled) return prepareData(normalised, split.test, on, { subset, seed });
    const only: DeviceImages = toDevice(normalised, on, subsetOrder(normalised.count, subset, seed));
    return { train: only, test: only };
  });
  return { data, labelled, description };
}
