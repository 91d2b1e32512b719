// `npm run experiment -- ablation`: NPID, each of the method's three components alone, and
// the full method at one setting; a markdown table (kNN after epochs 1, 5, 10, 15, final
// linear probe, seconds per epoch) and an SVG plot of kNN accuracy per epoch.
// `--only` runs some of them (say, in two processes); `report DIR…` merges their results.
// Each run's final checkpoint lands beside the table, for `eval` to look at again.
// `npm run experiment -- overhead`: ours, NPID and the dual-branch SimCLR at one setting, one
// after the other in one process; a markdown table of seconds per epoch, peak device memory
// and kNN accuracy at equal epochs and at equal wall-clock (METHOD.md §6).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR } from './data/node-files.js';
import { encodeTensorFile } from './io/tensor-file.js';
import { writeFileAtomic } from './io/node-files.js';
import { init } from './node.js';
import { loadData } from './cli/session.js';
import { ProgressBar } from './cli/progress.js';
import type { EncoderTrainer } from './method/encoder-trainer.js';
import { linearProbe } from './method/linear-probe.js';
import { SIMCLR_DEFAULTS, SimCLRTrainer } from './method/simclr.js';
import { DEFAULTS, PRESETS, Trainer, type TrainConfig } from './method/train.js';

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
  },
});
const command = positionals[0];
if (command !== 'ablation' && command !== 'report' && command !== 'overhead') {
  console.log('npm run experiment -- ablation [--subset N] [--epochs N] [--batch N] [--out DIR] [--only name,name] [--threads N]\n'
    + 'npm run experiment -- report DIR... [--out DIR]   (merges the results.json of several ablation runs)\n'
    + 'npm run experiment -- overhead [--subset N] [--epochs N] [--batch N] [--out DIR] [--threads N]   (ours, NPID and SimCLR)');
  process.exit(positionals.length ? 1 : 0);
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
  /** The most bytes live on the device at once during the training epochs (backend.memory().peakBytes). */
  peakBytes: number;
  /** The same during the pass before the first step (0: none). */
  setupPeakBytes: number;
  /** kNN top-1 on v after each epoch. */
  knn: number[];
}

/**
 * Ours, NPID and SimCLR at the same setting (subset, epochs, batch, backbone, seed), one after
 * the other: training time, peak device memory and kNN after every epoch.
 */
async function overhead(): Promise<void> {
  const methods: { name: string; make: () => EncoderTrainer }[] = [
    { name: 'ours', make: () => new Trainer({ ...DEFAULTS, epochs, batch }, backend, train, test) },
    { name: 'NPID', make: () => new Trainer({ ...DEFAULTS, ...PRESETS.npid, epochs, batch }, backend, train, test) },
    { name: 'SimCLR', make: () => new SimCLRTrainer({ ...SIMCLR_DEFAULTS, epochs, batch }, backend, train, test) },
  ];
  /** Runs `work` and the device work it queued: its result, seconds, and the peak memory meanwhile. */
  const measured = async <T>(work: () => T | Promise<T>): Promise<{ result: T; seconds: number; peakBytes: number }> => {
    backend.resetPeak();
    const start = performance.now();
    const result = await work();
    await backend.sync();
    return { result, seconds: (performance.now() - start) / 1000, peakBytes: backend.memory().peakBytes };
  };
  const dataBytes = backend.memory().liveBytes;
  const results: OverheadResult[] = [];
  for (const method of methods) {
    const trainer = method.make();
    const setup = trainer instanceof Trainer && trainer.config.init === 'calibrate' ? await measured(() => trainer.calibrate()) : null;
    const epochSeconds: number[] = [], knn: number[] = [];
    let peakBytes = 0;
    for (let e = 0; e < epochs; e++) {
      const bar = new ProgressBar(`${method.name}, epoch ${e + 1}/${epochs}`, trainer.stepsPerEpoch);
      const epoch = await measured(() => trainer.trainEpoch((done) => bar.update(done, Math.min(done * batch, train.count))));
      bar.finish();
      epochSeconds.push(epoch.result.seconds);
      peakBytes = Math.max(peakBytes, epoch.peakBytes);
      knn.push((await trainer.evaluate({ h: false })).knnV);
      console.log(`${method.name}: epoch ${e + 1}, ${epoch.result.seconds.toFixed(1)} s, peak ${mib(epoch.peakBytes)} MiB, kNN ${(100 * knn.at(-1)!).toFixed(2)} %`);
    }
    trainer.dispose();
    results.push({
      name: method.name, epochSeconds, setupSeconds: setup?.seconds ?? 0, secondsPerEpoch: median(epochSeconds),
      peakBytes, setupPeakBytes: setup?.peakBytes ?? 0, knn,
    });
    writeFileSync(join(out, 'results.json'), JSON.stringify({
      subset: train.count, testImages: test.count, epochs, batch, width: DEFAULTS.width, seed: DEFAULTS.seed,
      backend: backend.description, dataBytes, results,
    }, null, 2) + '\n');
  }
  overheadReport(results, dataBytes);
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
    + '*Peak memory*: the most bytes live on the device at once during the training epochs, counting everything there: '
    + `the images (${mib(dataBytes)} MiB, the same for all), weights, velocities, bank, activations and gradients, kernel workspaces. `
    + `Not in it: ours' calibration pass before the first step (${mib(ours.setupPeakBytes)} MiB at its peak: a forward pass without gradients `
    + 'over blocks of 500 images, as the kNN evaluation after each epoch, excluded for every method). '
    + `*kNN*: weighted kNN top-1 on v (k 200) over the ${test.count} test images, the training images as the bank. `
    + `*At ours' wall-clock*: the kNN after the last epoch each method finished within ours' total training time, ${budget.toFixed(1)} s `
    + '(calibration included, evaluation excluded); in brackets the epochs it finished by then. Every run follows the cosine schedule of '
    + `all ${epochs} epochs, so one cut short is not a run scheduled for that time; NPID, if faster, is not run past ${epochs} epochs.`;
  writeFileSync(join(out, 'overhead.md'), `${table}\n\n${caption}\n`);
  console.log(`\n${table}\n\n${caption}\n\n${join(out, 'overhead.md')}, ${join(out, 'results.json')}`);
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
  writeFileSync(join(out, 'ablation.svg'), plot(results, epochs));
  console.log(`\n${table}\n\n${join(out, 'ablation.md')}, ${join(out, 'ablation.svg')}`);
}

/** kNN accuracy per epoch, one line per run. */
function plot(runs: RunResult[], epochCount: number): string {
  const [w, h, left, bottom, top, right] = [640, 400, 56, 40, 20, 170];
  const all = runs.flatMap((r) => r.knn);
  const lo = Math.floor(Math.min(...all) * 20) / 20, hi = Math.ceil(Math.max(...all) * 20) / 20;
  const x = (e: number) => left + ((e - 1) / Math.max(epochCount - 1, 1)) * (w - left - right);
  const y = (v: number) => h - bottom - ((v - lo) / Math.max(hi - lo, 1e-9)) * (h - bottom - top);
  const colours = ['#888', '#1f77b4', '#2ca02c', '#ff7f0e', '#d62728'];
  const grid = Array.from({ length: Math.round((hi - lo) / 0.05) + 1 }, (_, i) => lo + 0.05 * i).map((v) =>
    `<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${(100 * v).toFixed(0)} %</text>`).join('');
  const labelY = spread(runs.map((r) => y(r.knn.at(-1)!) + 4), 14);
  const lines = runs.map((r, i) => {
    const colour = colours[i % colours.length];
    const points = r.knn.map((v, e) => `${x(e + 1).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>` +
      `<text x="${w - right + 8}" y="${labelY[i]!.toFixed(1)}" fill="${colour}">${r.name}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>${grid}
<line x1="${left}" x2="${w - right}" y1="${h - bottom}" y2="${h - bottom}" stroke="#333"/>
<text x="${(left + w - right) / 2}" y="${h - 8}" text-anchor="middle">epoch (weighted kNN top-1 on v, Fashion-MNIST test)</text>
${Array.from({ length: epochCount }, (_, e) => `<text x="${x(e + 1)}" y="${h - bottom + 16}" text-anchor="middle">${e + 1}</text>`).join('')}
${lines}
</svg>
`;
}

/** '+ SqrtKL (λ 20)' → 'sqrtkl-20': a run's name as a file name. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Positions at least `gap` apart, each as close to its wish as the others allow (labels that would overlap). */
function spread(wishes: number[], gap: number): number[] {
  const order = wishes.map((_, i) => i).sort((a, b) => wishes[a]! - wishes[b]!);
  const placed = wishes.slice();
  order.forEach((i, k) => { if (k > 0) placed[i] = Math.max(wishes[i]!, placed[order[k - 1]!]! + gap); });
  return placed;
}
