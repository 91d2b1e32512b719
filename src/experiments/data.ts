// `npm run experiment -- data`: data efficiency (issue 15). Ours, NPID, SimCLR and the
// supervised reference pre-trained on 1,000, 3,000, 10,000, 30,000 and 60,000 images (the
// first N of one seeded shuffle of the training split, so each set holds the smaller ones),
// every run at the same number of optimizer steps, and every run evaluated the same way:
// weighted kNN with the whole training split (60,000 labelled images) as the bank and the
// linear probe on h trained on the same 60,000, both scored on the whole test set. Only the
// pre-training images vary, not the evaluation's labels.
//
// The same steps for every size, exactly: the base's epochs and warm-up count epochs of the
// whole training split (DATA_BASE: 2 epochs at batch 125, 960 steps, 120,000 images seen;
// warm-up 0.2 epochs, 96 steps), and a run on N images takes epochs × 60,000 / N epochs
// (1,000 images: 120 epochs) and its warm-up likewise. The trainer counts whole epochs of
// whole batches, so the batch must divide every size (125 divides 1,000 to 60,000; 128 does
// not) and every size must divide epochs × 60,000: a setting that does not is refused.
// Ours and NPID draw their 4,096 negatives from a bank of N rows, so on the smallest sets
// every other row is a negative. data.md, data.svg (kNN against pre-training images, a line
// per method) and results.json in --out, each run's checkpoint in a folder of its own.
// Resumable at every level, as models; a results.json of another base, or of other steps or
// evaluation sets, is refused.

import { type DeviceData, loadData, pixelBaseline } from '../cli/session.js';
import type { Backend } from '../engine/backend.js';
import { OptionError } from '../engine/values.js';
import { subsetCount } from '../method/data.js';
import { backboneCost } from '../models/archs.js';
import { type FlagValues, type Method, resolveSetting } from '../settings.js';
import { baseWords } from './base.js';
import {
  byMethod,
  METHOD_NAMES,
  markdownTable,
  methodPlot,
  openResults,
  outOfMemoryNotes,
  type PlannedTraining,
  pct,
  planTraining,
  type RowsFile,
  refuseFlags,
  Schedule,
  scoreCells,
  shortCount,
  type TrainedRow,
  trainRows,
  UNTIMED_PACE,
} from './rows.js';

/** Epochs and warm-up of the whole training split (60,000 images): 960 steps of 125 images, 96 of them warm-up. */
export const DATA_BASE: FlagValues = { epochs: '2', batch: '125', warmup: '0.2', negatives: '4096' };

/** The pre-training sizes (`--sizes`). */
export const DATA_SIZES = '1000,3000,10000,30000,60000';

interface DataRow extends TrainedRow {
  /** Pre-training images. */
  images: number;
  epochs: number;
  /** Optimizer steps: epochs × steps an epoch (the same in every row). */
  steps: number;
}

interface DataFile extends RowsFile<DataRow> {
  /** The evaluation's labelled images (the whole training split) and test images. */
  labelledImages: number;
  testImages: number;
  steps: number;
  batch: number;
  warmupSteps: number;
}

interface DataRun extends PlannedTraining {
  images: number;
}

/** `--sizes`: positive whole numbers, comma-separated. */
export function parseSizes(text: string): number[] {
  return text.split(',').map((word) => {
    const n = Number(word.trim());
    if (!Number.isSafeInteger(n) || n < 2)
      throw new OptionError(`--sizes: expected image counts (whole numbers from 2), comma-separated; got ${word}`);
    return n;
  });
}

/**
 * The setting of each size: epochs and warm-up of the whole split (`total` images) scaled to
 * it, so that each takes the same steps. Refuses a batch or a size that would make them differ.
 */
function sizeSettings(
  base: FlagValues,
  sizes: number[],
  total: number,
): { images: number; flags: FlagValues; steps: number; warmupSteps: number }[] {
  const { epochs, batch, warmup } = resolveSetting(base).config;
  return sizes.map((images) => {
    subsetCount('--sizes', images, total);
    if (images % batch !== 0)
      throw new OptionError(`data: batch ${batch} does not divide ${images} images; every run needs whole batches to take the same steps`);
    const scale = total / images;
    const seen = epochs * total;
    if (!Number.isInteger(epochs * scale))
      throw new OptionError(
        `data: ${epochs} × ${total} images seen are ${epochs * scale} epochs of ${images} images; choose sizes that divide ${seen}`,
      );
    const steps = seen / batch;
    // the trainer's warm-up: round(warm-up epochs × steps an epoch), the same for every size
    const warmupSteps = Math.round(warmup * scale * (images / batch));
    return {
      images,
      steps,
      warmupSteps,
      // (0.2 × 60 is 12.000000000000002 in binary: the flag as a reader would write it)
      flags: { ...base, subset: String(images), epochs: String(epochs * scale), warmup: String(Number((warmup * scale).toPrecision(12))) },
    };
  });
}

export async function data(
  backend: Backend,
  options: { data: string; out: string; base: FlagValues; testSubset: number; sizes: number[]; methods: Method[] },
): Promise<void> {
  const { out, base } = options;
  refuseFlags('data', base, ['subset', 'method'], 'the experiment varies them (--sizes, --methods)');
  const { seed } = resolveSetting(base).config;
  const sizes = [...new Set(options.sizes)].sort((a, b) => a - b);
  // the smallest set first, with the whole split (its count fixes each size's epochs) and the test set
  let loaded: DeviceData = loadData(options.data, sizes[0]!, backend, seed, options.testSubset, true);
  const total = loaded.labelled.count;
  const perSize = sizeSettings(base, sizes, total);
  const { steps, warmupSteps } = perSize[0]!;
  if (perSize.some((s) => s.steps !== steps || s.warmupSteps !== warmupSteps))
    throw new Error('data: the sizes would take different steps');
  const { batch, arch, width } = resolveSetting(base).config;
  const identity = { labelledImages: total, testImages: loaded.test.count, steps, batch, warmupSteps };
  const file = openResults<DataFile>(out, base, () => ({ base, ...identity, pixels: null, rows: [] }), identity);
  const { macs } = backboneCost(arch, width);
  const images = { labelled: total, test: loaded.test.count };
  const runs: DataRun[] = perSize.flatMap((size) =>
    options.methods.map((method) => {
      const name = `${shortCount(size.images)} images, ${METHOD_NAMES[method]}`;
      return { ...planTraining(name, method, { ...size.flags, method }, macs, { ...images, train: size.images }), images: size.images };
    }),
  );
  await trainRows({
    title: `data: ${steps} steps of ${batch} images for every size, base ${baseWords(base)} → ${out}`,
    out,
    file,
    schedule: new Schedule(runs, file.rows, UNTIMED_PACE),
    pixels: () => pixelBaseline(loaded.labelled, loaded.test, true),
    dataFor: async (run) => {
      if (loaded.train.count !== run.images) {
        // on the backend of the last run's data: a new one if its device was lost
        const on = loaded.backend;
        loaded.dispose();
        loaded = loadData(options.data, run.images, on, seed, options.testSubset, true);
      }
      return loaded;
    },
    row: (run, common) => ({ ...common, images: run.images, epochs: run.setting.config.epochs, steps }),
    outputs: () => ({ 'data.md': `${report(file)}\n`, 'data.svg': plot(file) }),
  });
  loaded.dispose();
}

/** The table (sizes in order, the methods in theirs) and its caption. */
function report(file: DataFile): string {
  const rows = byMethod(file.rows, (r) => r.images);
  const table = markdownTable(
    ['pre-training images', 'epochs', 'method', 'kNN (v)', 'kNN (h)', 'linear probe (h)', 'train s'],
    [
      ...(file.pixels ? [['none (raw pixels)', '', '', pct(file.pixels.knn), '', pct(file.pixels.probe), '']] : []),
      ...rows.map((r) => [
        r.images.toLocaleString('en-US'),
        String(r.epochs),
        METHOD_NAMES[r.method],
        ...scoreCells(r, 1, () => [r.trainSeconds.toFixed(0)]),
      ]),
    ],
  );
  const { config } = resolveSetting(file.base);
  const seen = file.steps * file.batch;
  const negatives = config.negatives
    ? ` Ours and NPID draw ${config.negatives} negatives a step from the memory bank, ` +
      'all of its other rows where it has no more (the smallest sets).'
    : '';
  const n = (x: number) => x.toLocaleString('en-US');
  const caption =
    `Every row: ${file.steps} optimizer steps of ${file.batch} images (${n(seen)} images seen), ` +
    `a warm-up of ${file.warmupSteps} steps, then the cosine schedule to 0; epochs = ${n(seen)} / images ` +
    `(base: ${baseWords(file.base)}, epochs and warm-up counted on the whole split; ${config.arch} ×${config.width}). ` +
    'The pre-training images are the first N of one seeded shuffle of the training split. Evaluated once, after the last step, ' +
    `the same way for every row: weighted kNN top-1 (k 200) on v and on h with all ${n(file.labelledImages)} ` +
    `training images as the labelled bank, and the linear probe on h trained on the same ${n(file.labelledImages)}, ` +
    `on ${n(file.testImages)} test images: only the pre-training data differs between rows, not the evaluation's labels ` +
    '(the supervised reference also uses the labels of its N images in pre-training).' +
    negatives +
    outOfMemoryNotes(rows);
  return `${table}\n\n${caption}`;
}

/** kNN on v against the pre-training images (log scale), a line per method. */
function plot(file: DataFile): string | undefined {
  const xLabel = `pre-training images (weighted kNN top-1 on v, ${shortCount(file.labelledImages)} labelled images as the bank)`;
  return methodPlot(file.rows, (r) => [r.images, r.knnV], xLabel, file.pixels ? { name: 'raw pixels', y: file.pixels.knn } : undefined);
}
