// `npm run experiment -- ablation`: NPID, each of the method's three components alone, and
// the full method at one setting; a markdown table (kNN after epochs 1, 5, 10, 15, final
// linear probe, seconds per epoch) and an SVG plot of kNN accuracy per epoch.
// `--only` runs some of them (say, in two processes); `report DIR…` merges their results.
// Each run's final checkpoint lands beside the table, for `eval` to look at again.
// `npm run experiment -- overhead`: ours, NPID and the dual-branch SimCLR at one setting, one
// after the other in one process; a markdown table of seconds per epoch, peak device memory
// and kNN accuracy at equal epochs and at equal wall-clock (docs/method.md §6).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR } from './data/node-files.js';
import { encodeTensorFile } from './io/tensor-file.js';
import { writeFileAtomic } from './io/node-files.js';
import { init } from './node.js';
import { loadData } from './cli/session.js';
import { knnPlot } from './cli/plot.js';
import { ProgressBar } from './cli/progress.js';
import type { EncoderTrainer } from './method/encoder-trainer.js';
import { linearProbe } from './method/linear-probe.js';
import { SIMCLR_DEFAULTS, SimCLRTrainer } from './method/simclr.js';
import { DEFAULTS, PRESETS, Trainer, type TrainConfig } from './method/train.js';
import { parseAssignments } from './cli/flags.js';
import { SCREEN, SWEEP_BASE, gridSettings, sweep } from './experiments/sweep.js';
import { race } from './experiments/race.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: DEFAULT_DATA_DIR },
    subset: { type: 'string', default: '10000' },
    epochs: { type: 'string', default: String(DEFAULTS.epochs) },
    batch: { type: 'string', default: String(DEFAULTS.batch) },
    out: { type: 'string' },
    only: { type: 'string' },
    threads: { type: 'string' },
    base: { type: 'string' },
    grid: { type: 'string' },
    variants: { type: 'string' },
    'test-subset': { type: 'string', default: '0' },
  },
});
const command = positionals[0];
if (!['ablation', 'report', 'overhead', 'sweep', 'race'].includes(command ?? '')) {
  console.log('npm run experiment -- ablation [--subset N] [--epochs N] [--batch N] [--out DIR] [--only name,name] [--threads N]\n'
    + 'npm run experiment -- report DIR... [--out DIR]   (merges the results.json of several ablation runs)\n'
    + 'npm run experiment -- overhead [--subset N] [--epochs N] [--batch N] [--out DIR] [--threads N]   (ours, NPID and SimCLR)\n'
    + 'npm run experiment -- sweep [--base "flag=v …"] [--grid "flag=a,b flag=c,d" | --variants name,name] [--out DIR] [--threads N]\n'
    + `   (the recipe search; without --grid the variants are: ${Object.keys(SCREEN).join('; ')})\n`
    + 'npm run experiment -- race [--base "flag=v …"] [--out DIR] [--threads N]   (ours, NPID, SimCLR, supervised at --preset full: kNN against time)');
  process.exit(positionals.length ? 1 : 0);
}
if (command === 'sweep' || command === 'race') {
  try {
    const base = values.base ? parseAssignments(values.base.trim().split(/\s+/), '--base') : command === 'sweep' ? SWEEP_BASE : {};
    const names = values.variants?.split(',');
    for (const name of names ?? []) if (!(name in SCREEN)) throw new Error(`--variants: no variant ${name}; there are ${Object.keys(SCREEN).join('; ')}`);
    const settings = values.grid ? gridSettings(values.grid) : Object.fromEntries(Object.entries(SCREEN).filter(([name]) => !names || names.includes(name)));
    const backend = await init({ threads: values.threads ? Number(values.threads) : undefined });
    const common = { data: values.data!, out: values.out ?? `runs/${command}`, base, testSubset: Number(values['test-subset']) };
    if (command === 'sweep') await sweep(backend, { ...common, settings });
    else await race(backend, common);
    backend.destroy();
    process.exit(0);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}

const RUNS: { name: string; config: Partial<TrainConfig> }[] = [
  { name: 'NPID', config: { init: 'random', update: 'npid', lambda: 0 } },
  { name: '+ calibrate init', config: { init: 'calibrate', update: 'npid', lambda: 0 } },
  { name: '+ corrected update', config: { init: 'random', update: 'corrected', lambda: 0 } },
  { name: '+ SqrtKL (λ 20)', config: { init: 'random', update: 'npid', lambda: 20 } },
  { name: 'full method', config: { init: 'calibrate', update: 'corrected', lambda: 20 } },
];

interface RunResult { name: string; knn: number[]; probe: number; secondsPerEpoch: number }

const out = values.out ?? (command === 'overhead' ? 'runs/overhead' : 'runs/ablation');
mkdirSync(out, { recursive: true });
if (command === 'report') {
  const merged = positionals.slice(1).flatMap((dir) => (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: RunResult[] }).results);
  merged.sort((a, b) => RUNS.findIndex((r) => r.name === a.name) - RUNS.findIndex((r) => r.name === b.name));
  report(merged, Math.max(...merged.map((r) => r.knn.length)));
  process.exit(0);
}
const epochs = Number(values.epochs), batch = Number(values.batch);
const backend = await init({ threads: values.threads ? Number(values.threads) : undefined });
const { train, test } = loadData(values.data!, Number(values.subset), backend, DEFAULTS.seed);
if (command === 'overhead') await overhead();
else await ablation();
backend.destroy();

async function ablation(): Promise<void> {
  const only = values.only?.split(',');
  const results: RunResult[] = [];
  for (const run of RUNS.filter((r) => !only || only.includes(r.name))) {
    const trainer = new Trainer({ ...DEFAULTS, ...run.config, epochs, batch }, backend, train, test);
    if (trainer.config.init === 'calibrate') trainer.calibrate();
    const knn: number[] = [];
    let seconds = 0;
    for (let e = 0; e < epochs; e++) {
      const bar = new ProgressBar(`${run.name}, epoch ${e + 1}/${epochs}`, trainer.stepsPerEpoch);
      const epoch = await trainer.trainEpoch((done) => bar.update(done, Math.min(done * trainer.config.batch, train.count)));
      bar.finish();
      seconds += epoch.seconds;
      knn.push((await trainer.evaluate({ h: false })).knnV);
      console.log(`${run.name}: epoch ${e + 1}, kNN ${(100 * knn.at(-1)!).toFixed(2)} %`);
    }
    const a = trainer.embed(train), b = trainer.embed(test);
    const probe = await linearProbe(a.h, train.labels, b.h, test.labels);
    for (const t of [a.v, a.h, b.v, b.h]) t.dispose();
    // each run's final state, for `npm start -- eval knn|linear --checkpoint DIR/<run>.wssl`
    writeFileAtomic(join(out, `${slug(run.name)}.wssl`), encodeTensorFile(await trainer.snapshot({ subset: train.count })));
    trainer.dispose();
    results.push({ name: run.name, knn, probe, secondsPerEpoch: seconds / epochs });
    writeFileSync(join(out, 'results.json'), JSON.stringify({ subset: train.count, epochs, config: { ...DEFAULTS, batch }, backend: backend.description, results }, null, 2) + '\n');
  }
  report(results, epochs);
}

interface OverheadResult {
  name: string;
  /** Training seconds of each epoch (kNN evaluation excluded). */
  epochSeconds: number[];
  /** Seconds spent before the first step: ours' feature-calibrate pass. */
  setupSeconds: number;
  /** The median of epochSeconds. */
  secondsPerEpoch: number;
  /**
   * The most bytes live on the device at once for this method in its training epochs: the
   * images, what the trainer keeps between epochs, and the most its steps added on top.
   */
  peakBytes: number;
  /** The same during the pass before the first step (0: none). */
  setupPeakBytes: number;
  /** kNN top-1 on v after each epoch. */
  knn: number[];
}

/**
 * Ours, NPID and SimCLR at the same setting (subset, epochs, batch, backbone, seed), epoch by
 * epoch in turn (ours' epoch 1, NPID's, SimCLR's, ours' epoch 2…), so the machine's noise
 * falls on all three alike: training time, peak device memory and kNN after every epoch.
 */
async function overhead(): Promise<void> {
  const methods: { name: string; make: () => EncoderTrainer }[] = [
    { name: 'ours', make: () => new Trainer({ ...DEFAULTS, epochs, batch }, backend, train, test) },
    { name: 'NPID', make: () => new Trainer({ ...DEFAULTS, ...PRESETS.npid, epochs, batch }, backend, train, test) },
    { name: 'SimCLR', make: () => new SimCLRTrainer({ ...SIMCLR_DEFAULTS, epochs, batch }, backend, train, test) },
  ];
  /**
   * Runs `work` and the device work it queued: its result, seconds, and the most bytes it
   * added at once to those live before it (its activations, gradients and workspaces).
   */
  const measured = async <T>(work: () => T | Promise<T>): Promise<{ result: T; seconds: number; addedBytes: number }> => {
    await backend.sync();
    const before = backend.memory().liveBytes;
    backend.resetPeak();
    const start = performance.now();
    const result = await work();
    await backend.sync();
    return { result, seconds: (performance.now() - start) / 1000, addedBytes: backend.memory().peakBytes - before };
  };
  const dataBytes = backend.memory().liveBytes;
  const runs = methods.map((method) => ({ method, trainer: null as EncoderTrainer | null, setup: null as { seconds: number; addedBytes: number } | null, ownBytes: 0, addedBytes: 0, epochSeconds: [] as number[], knn: [] as number[] }));
  for (let e = 0; e < epochs; e++) {
    for (const run of runs) {
      const { name } = run.method;
      const liveBefore = backend.memory().liveBytes;
      if (!run.trainer) {
        const trainer = run.trainer = run.method.make();
        if (trainer instanceof Trainer && trainer.config.init === 'calibrate') run.setup = await measured(() => trainer.calibrate());
      }
      const trainer = run.trainer;
      const bar = new ProgressBar(`${name}, epoch ${e + 1}/${epochs}`, trainer.stepsPerEpoch);
      const epoch = await measured(() => trainer.trainEpoch((done) => bar.update(done, Math.min(done * batch, train.count))));
      bar.finish();
      // what the trainer keeps between epochs (weights, velocities, bank), counted once it has all of it
      if (e === 0) run.ownBytes = backend.memory().liveBytes - liveBefore;
      run.epochSeconds.push(epoch.result.seconds);
      run.addedBytes = Math.max(run.addedBytes, epoch.addedBytes);
      run.knn.push((await trainer.evaluate({ h: false })).knnV);
      console.log(`${name}: epoch ${e + 1}, ${epoch.result.seconds.toFixed(1)} s, peak ${mib(dataBytes + run.ownBytes + run.addedBytes)} MiB, kNN ${(100 * run.knn.at(-1)!).toFixed(2)} %`);
    }
    const results: OverheadResult[] = runs.map((run) => ({
      name: run.method.name, epochSeconds: run.epochSeconds, setupSeconds: run.setup?.seconds ?? 0, secondsPerEpoch: median(run.epochSeconds),
      peakBytes: dataBytes + run.ownBytes + run.addedBytes, setupPeakBytes: run.setup ? dataBytes + run.ownBytes + run.setup.addedBytes : 0, knn: run.knn,
    }));
    writeFileSync(join(out, 'results.json'), JSON.stringify({
      subset: train.count, testImages: test.count, epochs, epochsDone: e + 1, batch, width: DEFAULTS.width, seed: DEFAULTS.seed,
      backend: backend.description, dataBytes, results,
    }, null, 2) + '\n');
    if (e === epochs - 1) overheadReport(results, dataBytes);
  }
  for (const run of runs) run.trainer?.dispose();
}

/** The overhead table, with its caption, as markdown in overhead.md. */
function overheadReport(results: OverheadResult[], dataBytes: number): void {
  const ours = results.find((r) => r.name === 'ours')!, simclr = results.find((r) => r.name === 'SimCLR')!;
  const elapsed = (r: OverheadResult) => r.epochSeconds.map((_, e) => r.setupSeconds + r.epochSeconds.slice(0, e + 1).reduce((a, b) => a + b, 0));
  const budget = elapsed(ours).at(-1)!;
  const pct = (x: number) => (100 * x).toFixed(1);
  const rows = results.map((r) => {
    const done = elapsed(r).filter((t) => t <= budget).length; // elapsed times only grow
    const atBudget = done > 0 ? `${pct(r.knn[done - 1]!)} (${done})` : `— (0)`;
    return `| ${r.name} | ${r.secondsPerEpoch.toFixed(1)} | ${mib(r.peakBytes)} | ${pct(r.knn.at(-1)!)} | ${atBudget} |`;
  });
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const table = [
    `| method | s / epoch | peak memory (MiB) | kNN after ${epochs} epochs | kNN at ours' wall-clock (epochs done) |`,
    '|---|---|---|---|---|',
    ...rows,
    `| ours / SimCLR | ${ratio(ours.secondsPerEpoch, simclr.secondsPerEpoch)} | ${ratio(ours.peakBytes, simclr.peakBytes)} | | |`,
  ].join('\n');
  const caption = `Fashion-MNIST, the first ${train.count} training images after the seeded shuffle, batch ${batch}, ${epochs} epochs, `
    + `fmnist-resnet width ${DEFAULTS.width}, SGD lr ${DEFAULTS.lr} (cosine), seed ${DEFAULTS.seed}, on ${backend.description}; `
    + 'ours and NPID as in the ablation, SimCLR with two views per image, NT-Xent at τ 0.5 and a one-hidden-layer MLP head. '
    + '*s / epoch*: the median over the epochs of the training time (the kNN evaluation after each epoch excluded). '
    + '*Peak memory*: the most bytes live on the device at once for the method: '
    + `the images (${mib(dataBytes)} MiB, the same for all), what its trainer keeps between epochs (weights, velocities, bank), `
    + 'and the most its training steps add on top (activations, gradients, kernel workspaces). '
    + `Not in it: ours' calibration pass before the first step (${mib(ours.setupPeakBytes)} MiB at its peak: a forward pass without gradients `
    + 'over blocks of 500 images, as the kNN evaluation after each epoch, excluded for every method). '
    + 'The three run in one process, epoch by epoch in turn, so that the machine\'s noise falls on all of them alike. '
    + `*kNN*: weighted kNN top-1 on v (k 200) over the ${test.count} test images, the training images as the bank. `
    + `*At ours' wall-clock*: the kNN after the last epoch each method finished within ours' total training time, ${budget.toFixed(1)} s `
    + '(calibration included, evaluation excluded); in brackets the epochs it finished by then. Every run follows the cosine schedule of '
    + `all ${epochs} epochs, so one cut short is not a run scheduled for that time; NPID, if faster, is not run past ${epochs} epochs.`;
  writeFileSync(join(out, 'overhead.md'), `${table}\n\n${caption}\n`);
  writeFileSync(join(out, 'overhead.svg'), knnPlot(results, epochs));
  console.log(`\n${table}\n\n${caption}\n\n${join(out, 'overhead.md')}, ${join(out, 'overhead.svg')}, ${join(out, 'results.json')}`);
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function report(results: RunResult[], epochs: number): void {
  const marks = [1, 5, 10, 15].filter((e) => e <= epochs);
  const pct = (x: number | undefined) => (x === undefined ? '' : (100 * x).toFixed(1));
  const table = [
    `| run | ${marks.map((e) => `kNN ep ${e}`).join(' | ')} | linear probe | s / epoch |`,
    `|---|${marks.map(() => '---').join('|')}|---|---|`,
    ...results.map((r) => `| ${r.name} | ${marks.map((e) => pct(r.knn[e - 1])).join(' | ')} | ${pct(r.probe)} | ${r.secondsPerEpoch.toFixed(1)} |`),
  ].join('\n');
  writeFileSync(join(out, 'ablation.md'), `${table}\n`);
  writeFileSync(join(out, 'ablation.svg'), knnPlot(results, epochs));
  console.log(`\n${table}\n\n${join(out, 'ablation.md')}, ${join(out, 'ablation.svg')}`);
}

/** '+ SqrtKL (λ 20)' → 'sqrtkl-20': a run's name as a file name. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
