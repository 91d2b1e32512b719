// `npm run experiment -- labels`: label efficiency. From each self-supervised network pre-trained
// on Fashion-MNIST at the base (ours, NPID, SimCLR: runs/pretrained, shared with `transfer`),
// with 1 %, 10 % and 100 % of the labels of the base's training images (at npm start's setting
// 200, 2,000 and 20,000; class-balanced subsets under the base's seed, each inside the next:
// balancedSubset), three ways to a classifier:
//   probe      the linear probe on the frozen h (docs/method.md §5);
//   fine-tune  the whole network, backbone from the checkpoint and a new linear classifier on
//              h, trained with cross-entropy and the supervised reference's augmentation;
//   scratch    the same network trained the same way from its random initialisation.
// Fine-tune and scratch have one budget at every fraction: --steps optimizer steps (default
// 1,000 at the base's batch), rounded up to whole epochs of the labelled images, with a linear
// warm-up over the first 5 % and the cosine decay after it, both at the base's learning rate
// (a smaller one for the fine-tune did worse: FINE_TUNE_MEASURED below). All are scored on the
// whole test set: the classifier's top-1, or the probe's; raw pixels' probe on the same labels
// is the floor. Writes results.json, labels.md and labels.svg (accuracy against the labels'
// share, log scale) to --out; every fine-tune and scratch run keeps its checkpoint in
// <out>/<source>-fine-tune-<percent>/ or <out>/scratch-<percent>/. Resumable at every level: a
// finished row is not run again, a killed run continues from its last epoch.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot, METHOD_COLOURS } from '../cli/plot.js';
import { DeviceData, pixelBaseline, runTraining, splitsOnDevice } from '../cli/session.js';
import { loadSplit } from '../data/fashion-mnist.js';
import { selectImages } from '../data/idx.js';
import type { Backend } from '../engine/backend.js';
import * as ops from '../engine/ops/index.js';
import { scope } from '../engine/scope.js';
import { balancedSubset, batchCount, subsetOrder } from '../method/data.js';
import { linearProbe } from '../method/linear-probe.js';
import type { SupervisedTrainer } from '../method/supervised.js';
import { formatDuration } from '../numbers.js';
import { type FlagValues, type RunSetting, resolveSetting } from '../settings.js';
import { slug } from './ablation.js';
import type { BaseRecord } from './base.js';
import {
  backboneFrom,
  PRETRAINED,
  type PretrainedRun,
  planPretraining,
  pretrain,
  pretrainedRun,
  pretrainingBase,
  restored,
} from './pretrained.js';
import { openResults, saveResults } from './rows.js';

/** The shares of the training labels. */
const FRACTIONS = [0.01, 0.1, 1];

export const DEFAULT_STEPS = 1000;

/** Steps of linear warm-up, a share of the budget. */
const WARMUP_SHARE = 0.05;

/*
 * FINE_TUNE_MEASURED: why the fine-tune has the from-scratch learning rate, and 1,000 steps.
 * At npm start's setting, 1 % of the labels (200), top-1 on the first 2,000 test images, from
 * the ablation's NPID and NPID + calibrate-init networks (runs/ablation; their linear probes
 * on frozen h with these 200 labels: 63.9 % and 70.3 %):
 *   300 steps    scratch lr 0.1: 72.6 %; fine-tune NPID lr 0.1: 71.7, 0.03: 67.4, 0.01: 56.8;
 *                fine-tune NPID + calibrate lr 0.1: 71.6, 0.03: 71.5
 *   1,000 steps  scratch lr 0.1: 73.9 %; fine-tune NPID + calibrate lr 0.1: 74.3, 0.03: 72.4
 * A tenth of the rate, usual for fine-tuning large networks, starves the new classifier here;
 * the base's rate was best or level every time, and 1,000 steps beat 300 for both.
 */

type Protocol = 'probe' | 'fine-tune' | 'scratch';

/** A row to run: fine-tune and probe rows name their pre-trained network. */
interface PlannedRow {
  source: string;
  protocol: Protocol;
  fraction: number;
  count: number;
  run?: PretrainedRun;
}

interface LabelsRow {
  /** ours, NPID, SimCLR, raw pixels (probe) or random init (scratch). */
  source: string;
  protocol: Protocol;
  fraction: number;
  labels: number;
  /** Top-1 on the test set: the classifier's (fine-tune, scratch) or the linear probe's. */
  accuracy: number;
  /** Fine-tune and scratch: the steps taken (the budget rounded up to whole epochs) and their seconds. */
  steps?: number;
  trainSeconds?: number;
  finished: string;
}

interface LabelsFile extends BaseRecord {
  steps: number;
  /** The labelled images at 100 % (the base's training images). */
  pool: number;
  /** Test images scored on. */
  test: number;
  backend: string;
  rows: LabelsRow[];
}

const SELF_SUPERVISED = PRETRAINED.filter((p) => p.method !== 'supervised');
const SCRATCH = 'random init';
const PIXELS = 'raw pixels';

const labelCount = (fraction: number, pool: number) => (fraction === 1 ? pool : Math.max(10, Math.round(fraction * pool)));
const percent = (fraction: number) => `${+(100 * fraction).toPrecision(3)}`;

/**
 * The supervised run on `count` labels at the budget: `steps` rounded up to whole epochs of
 * the labelled images, WARMUP_SHARE of them warming up; kNN only after the last epoch.
 */
function budgetSetting(base: FlagValues, count: number, steps: number): RunSetting {
  const setting = resolveSetting({ ...base, method: 'supervised' });
  const perEpoch = batchCount(count, setting.config.batch);
  const epochs = Math.ceil(steps / perEpoch);
  const warmup = Math.round(WARMUP_SHARE * steps) / perEpoch;
  return { ...setting, subset: count, evalEvery: epochs, config: { ...setting.config, epochs, warmup } };
}

export async function labels(
  backend: Backend,
  options: { data: string; out: string; base: FlagValues; pretrained: string; steps: number; testSubset: number },
): Promise<void> {
  const { out, base, steps } = options;
  const { subset, config } = resolveSetting(base);
  const { seed } = config;
  const trainSplit = loadSplit(options.data, 'train'),
    testSplit = loadSplit(options.data, 'test');
  const data = new DeviceData(backend, (on) => splitsOnDevice(trainSplit, testSplit, on, { subset, seed, testSubset: options.testSubset }));
  const pool = data.train.count;
  const fresh = (): LabelsFile => ({ base, steps, pool, test: data.test.count, backend: backend.description, rows: [] });
  const file = openResults(out, base, fresh, { steps });
  saveResults(out, file); // from now on, the checkpoints in <out> are this base's
  const done = (source: string, protocol: Protocol, fraction: number) =>
    file.rows.some((r) => r.source === source && r.protocol === protocol && r.fraction === fraction);
  const record = (row: Omit<LabelsRow, 'finished'>) => {
    file.rows.push({ ...row, finished: new Date().toISOString() });
    console.log(`${row.source}, ${row.protocol}, ${percent(row.fraction)} % of the labels: ${(100 * row.accuracy).toFixed(2)} %`);
    saveResults(out, file);
    report(file, out);
  };
  const fractions = FRACTIONS.map((fraction) => ({ fraction, count: labelCount(fraction, pool) }));
  const runs = SELF_SUPERVISED.map((p) => pretrainedRun(p.name, p.method, base, options.pretrained));
  const rows: PlannedRow[] = fractions.flatMap(({ fraction, count }) =>
    [
      { source: PIXELS, protocol: 'probe' as const },
      ...runs.flatMap((run) => (['probe', 'fine-tune'] as const).map((protocol) => ({ source: run.name, protocol, run }))),
      { source: SCRATCH, protocol: 'scratch' as const },
    ]
      .filter((r) => !done(r.source, r.protocol, fraction))
      .map((r) => ({ ...r, fraction, count })),
  );
  const needed = runs.filter((run) => rows.some((r) => r.run === run));

  // the plan, and its time from a few timed steps of each trainer
  const plan = await planPretraining(runs, needed, data, rows.length > 0);
  let seconds = plan.seconds;
  for (const run of needed)
    if (rows.some((r) => r.run === run && r.protocol === 'probe')) seconds += (pool + data.test.count) * plan.forward;
  for (const row of rows.filter((r) => r.protocol !== 'probe')) {
    const taken = budgetSetting(base, row.count, steps).config.epochs * batchCount(row.count, config.batch);
    seconds += taken * plan.step + (row.count + 2 * data.test.count) * plan.forward;
  }
  console.log(
    `labels: pre-trained at ${pretrainingBase(base)}, ${pool} labelled images at 100 %, ${steps} steps a fine-tune → ${out}\n` +
      `  pre-trained (${options.pretrained}): ${plan.summary}\n` +
      `  ${rows.length} of ${fractions.length * ORDER.length} rows to run${rows.length ? ': ' : ''}` +
      `${rows.map((r) => `${r.source} ${r.protocol} ${percent(r.fraction)} %`).join('; ')}\n` +
      `  about ${formatDuration(seconds)} (from timed steps; the probes' own training not counted)`,
  );

  // the pre-trained networks, and the probes on their frozen h
  for (const run of needed) {
    await pretrain(run, data);
    const left = fractions.filter((f) => !done(run.name, 'probe', f.fraction));
    if (left.length === 0) continue;
    const trainer = restored(run.setting, data, run.checkpoint);
    const a = trainer.embed(data.train),
      b = trainer.embed(data.test);
    trainer.dispose();
    for (const { fraction, count } of left) {
      const pick = balancedSubset(data.train.labels, count, seed);
      const h = scope(() => a.h.gather(ops.tensor(pick, [pick.length], { backend: data.backend })));
      const accuracy = await linearProbe(
        h,
        Uint8Array.from(pick, (i) => data.train.labels[i]!),
        b.h,
        data.test.labels,
      );
      h.dispose();
      record({ source: run.name, protocol: 'probe', fraction, labels: count, accuracy });
    }
    for (const t of [a.v, a.h, b.v, b.h]) t.dispose();
  }
  for (const set of [data.train, data.test]) set.images.dispose();

  // fine-tune and scratch, a fraction at a time on its labelled images
  let current = data.backend;
  const poolOrder = subsetOrder(trainSplit.count, subset, seed);
  for (const { fraction, count } of fractions) {
    const todo = rows.filter((r) => r.fraction === fraction && (r.protocol !== 'probe' || r.source === PIXELS));
    if (todo.length === 0) continue;
    const pick = Int32Array.from(balancedSubset(data.train.labels, count, seed), (i) => poolOrder[i]!);
    const labelled = new DeviceData(current, (on) =>
      splitsOnDevice(selectImages(trainSplit, pick), testSplit, on, { subset: 0, seed, testSubset: options.testSubset }),
    );
    for (const row of todo) {
      if (row.source === PIXELS) {
        const { probe } = await pixelBaseline(labelled.train, labelled.test, true);
        record({ source: PIXELS, protocol: 'probe', fraction, labels: count, accuracy: probe });
        continue;
      }
      const from = row.run;
      const setting = budgetSetting(base, count, steps);
      const dir = join(out, `${from ? `${slug(row.source)}-` : ''}${row.protocol}-${percent(fraction)}`);
      const label = `${row.source} ${row.protocol}, ${percent(fraction)} %`;
      const result = await runTraining(setting, labelled, {
        out: dir,
        resume: true,
        probe: false,
        label,
        ...(from && { prepare: backboneFrom(from.checkpoint), extra: { pretrained: from.checkpoint } }),
      });
      const trainer = restored(setting, labelled, join(dir, 'checkpoint.sslgpu')) as SupervisedTrainer;
      const accuracy = await trainer.accuracy();
      trainer.dispose();
      const taken = setting.config.epochs * batchCount(count, setting.config.batch);
      record({
        source: row.source,
        protocol: row.protocol,
        fraction,
        labels: count,
        accuracy,
        steps: taken,
        trainSeconds: result.trainSeconds,
      });
    }
    current = labelled.backend;
    for (const set of [labelled.train, labelled.test]) set.images.dispose();
  }
  console.log(`\n${table(file)}\n\n${join(out, 'labels.md')}, ${join(out, 'labels.svg')}, ${join(out, 'results.json')}`);
}

/** The rows in the table's order: raw pixels, each source's probe and fine-tune, scratch. */
const ORDER: [string, Protocol][] = [
  [PIXELS, 'probe'],
  ...SELF_SUPERVISED.flatMap((p): [string, Protocol][] => [
    [p.name, 'probe'],
    [p.name, 'fine-tune'],
  ]),
  [SCRATCH, 'scratch'],
];

const PROTOCOL_NAMES: Record<Protocol, string> = { probe: 'linear probe (frozen h)', 'fine-tune': 'fine-tune', scratch: 'from scratch' };

function table(file: LabelsFile): string {
  const find = (source: string, protocol: Protocol, fraction: number) =>
    file.rows.find((r) => r.source === source && r.protocol === protocol && r.fraction === fraction);
  const columns = FRACTIONS.map((f) => `${percent(f)} % (${labelCount(f, file.pool).toLocaleString('en-US')} labels)`);
  const lines = ORDER.filter(([source, protocol]) => FRACTIONS.some((f) => find(source, protocol, f))).map(([source, protocol]) => {
    const cells = FRACTIONS.map((f) => {
      const row = find(source, protocol, f);
      return row ? (100 * row.accuracy).toFixed(1) : '—';
    });
    return `| ${source} | ${PROTOCOL_NAMES[protocol]} | ${cells.join(' | ')} |`;
  });
  return [
    `| features | protocol | ${columns.join(' | ')} |`,
    `|---|---|${FRACTIONS.map(() => '---').join('|')}|`,
    ...lines,
    '',
    `Test top-1 (%) on ${file.test.toLocaleString('en-US')} test images; fine-tune and from scratch: ${file.steps} steps each ` +
      `(rounded up to whole epochs), ${100 * WARMUP_SHARE} % warm-up, both at the base's learning rate; ` +
      `pre-trained at ${pretrainingBase(file.base)}.`,
  ].join('\n');
}

function report(file: LabelsFile, out: string): void {
  writeFileSync(join(out, 'labels.md'), `${table(file)}\n`);
  const colours: Record<string, string> = { ...METHOD_COLOURS, [PIXELS]: '#888', [SCRATCH]: '#333' };
  const series = ORDER.map(([source, protocol]) => ({
    name: source === SCRATCH ? 'from scratch' : `${source}, ${protocol}`,
    colour: colours[source],
    dashed: protocol === 'probe',
    points: FRACTIONS.flatMap((f) => {
      const row = file.rows.find((r) => r.source === source && r.protocol === protocol && r.fraction === f);
      return row ? [[100 * f, row.accuracy] as [number, number]] : [];
    }),
  })).filter((s) => s.points.length > 0);
  if (series.length === 0) return;
  const xLabel = '% of the training labels (log scale); test top-1, dashed: linear probe on frozen h';
  writeFileSync(join(out, 'labels.svg'), linePlot(series, { xLabel, xTicks: FRACTIONS.map((f) => 100 * f), xLog: true, markers: true }));
}
