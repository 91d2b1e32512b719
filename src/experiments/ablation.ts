// `npm run experiment -- ablation`: NPID, each of the method's three components alone on top
// of it, and the full method (docs/method.md §6), at `npm start`'s setting (the quick preset,
// so every row has the same augmentation and budget): a markdown table (kNN after epochs 1,
// 5, 10 and the last, the linear probe, seconds per epoch) and an SVG plot of kNN per epoch.
// Resumable: each run keeps its checkpoint in <out>/<run>/, a finished run is not repeated.
// `--only` runs some of them (say, in two processes); `report DIR…` merges their results.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knnPlot } from '../cli/plot.js';
import { loadData, runTraining } from '../cli/session.js';
import type { Backend } from '../engine/backend.js';
import { type FlagValues, resolveSetting } from '../settings.js';
import type { BaseRecord } from './base.js';
import { markdownTable, openResults, pct } from './rows.js';

export const ABLATION: { name: string; flags: FlagValues }[] = [
  { name: 'NPID', flags: { method: 'npid' } },
  { name: '+ calibrate init', flags: { method: 'npid', init: 'calibrate' } },
  { name: '+ corrected update', flags: { method: 'npid', update: 'corrected' } },
  { name: '+ SqrtKL (λ 20)', flags: { method: 'npid', lambda: '20' } },
  { name: 'full method', flags: { method: 'ours' } },
];

interface AblationRow {
  name: string;
  knn: number[];
  probe: number;
  secondsPerEpoch: number;
  /** The run's seed (merged reports; a run's own results.json keeps it in its config). */
  seed?: number;
}

interface PooledRow extends AblationRow {
  seeds: number[];
  lastKnnRange: [number, number];
  probeRange: [number, number];
}

export async function ablation(
  backend: Backend,
  options: { data: string; out: string; base: FlagValues; only?: string[]; testSubset: number },
): Promise<void> {
  const { out } = options;
  const resultsPath = join(out, 'results.json');
  const saved = openResults<BaseRecord & { results: AblationRow[] }>(out, options.base, () => ({ base: options.base, results: [] }));
  const results = saved.results;
  const runs = ABLATION.filter((r) => !options.only || options.only.includes(r.name));
  const first = resolveSetting(options.base);
  const data = loadData(options.data, first.subset, backend, first.config.seed, options.testSubset);
  for (const run of runs.filter((r) => !results.some((x) => x.name === r.name))) {
    const setting = { ...resolveSetting({ ...options.base, ...run.flags }), evalEvery: 1 };
    // `npm start -- eval knn|linear --checkpoint <out>/<run>/checkpoint.sslgpu` looks at a run again
    const result = await runTraining(setting, data, { out: join(out, slug(run.name)), resume: true, probe: true, label: run.name });
    const seconds = result.epochs.reduce((sum, e) => sum + e.seconds, 0);
    results.push({
      name: run.name,
      knn: result.epochs.map((e) => e.knnV!),
      probe: result.probe,
      secondsPerEpoch: seconds / result.epochs.length,
      seed: setting.config.seed,
    });
    results.sort(byAblationOrder);
    const contents = {
      base: saved.base,
      baseConfig: saved.baseConfig,
      subset: data.train.count,
      config: setting.config,
      backend: data.backend.description,
      results,
    };
    writeFileSync(resultsPath, `${JSON.stringify(contents, null, 2)}\n`);
  }
  report(
    results.map((r) => ({ ...r, seed: r.seed ?? first.config.seed })),
    out,
  );
}

/**
 * Merges the results.json of ablation runs made apart into one table: in several processes
 * (`--only`), or at several seeds (`--base "seed=N"`), whose runs of one name it pools.
 */
export function mergeReports(dirs: string[], out: string): void {
  const merged = dirs.flatMap((dir) => {
    const file = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { config: { seed: number }; results: AblationRow[] };
    return file.results.map((r) => ({ ...r, seed: r.seed ?? file.config.seed }));
  });
  mkdirSync(out, { recursive: true });
  report(merged, out);
}

/**
 * The runs of one name at several seeds as one row: the mean of every figure, and the seeds'
 * lowest and highest last kNN and probe (how far one run of the row can be trusted).
 */
export function poolSeeds(rows: AblationRow[]): PooledRow[] {
  const names = [...new Set(rows.map((r) => r.name))];
  return names.map((name) => {
    const runs = rows.filter((r) => r.name === name);
    const mean = (f: (r: AblationRow) => number) => runs.reduce((sum, r) => sum + f(r), 0) / runs.length;
    const epochs = Math.min(...runs.map((r) => r.knn.length));
    const last = runs.map((r) => r.knn[epochs - 1]!),
      probes = runs.map((r) => r.probe);
    return {
      name,
      knn: Array.from({ length: epochs }, (_, e) => mean((r) => r.knn[e]!)),
      probe: mean((r) => r.probe),
      secondsPerEpoch: mean((r) => r.secondsPerEpoch),
      seeds: runs.map((r) => r.seed ?? 0),
      lastKnnRange: [Math.min(...last), Math.max(...last)],
      probeRange: [Math.min(...probes), Math.max(...probes)],
    };
  });
}

function byAblationOrder(a: AblationRow, b: AblationRow): number {
  return ABLATION.findIndex((r) => r.name === a.name) - ABLATION.findIndex((r) => r.name === b.name);
}

function report(results: AblationRow[], out: string): void {
  const rows = poolSeeds(results.sort(byAblationOrder));
  writeFileSync(join(out, 'ablation.md'), `${ablationTable(rows)}\n`);
  const epochs = Math.max(...rows.map((r) => r.knn.length));
  writeFileSync(join(out, 'ablation.svg'), knnPlot(rows, epochs));
  console.log(`\n${ablationTable(rows)}\n\n${join(out, 'ablation.md')}, ${join(out, 'ablation.svg')}`);
}

/** kNN after epochs 1, 5, 10 and the last, the probe and s / epoch; with the seeds' ranges where a row pools several. */
export function ablationTable(rows: PooledRow[]): string {
  const epochs = Math.max(...rows.map((r) => r.knn.length));
  const marks = [...new Set([1, 5, 10, epochs].filter((e) => e <= epochs))];
  const pooled = rows.some((r) => r.seeds.length > 1);
  const range = ([lo, hi]: [number, number]) => `${pct(lo)}–${pct(hi)}`;
  const knnHeads = marks.map((e) => `kNN ep ${e}`);
  const header = pooled
    ? ['run', 'seeds', ...knnHeads, `kNN ep ${epochs}, range`, 'linear probe', 'probe, range', 's / epoch']
    : ['run', ...knnHeads, 'linear probe', 's / epoch'];
  const line = (r: PooledRow) => {
    const knn = marks.map((e) => pct(r.knn[e - 1]));
    const cells = pooled
      ? [r.name, r.seeds.join(', '), ...knn, range(r.lastKnnRange), pct(r.probe), range(r.probeRange)]
      : [r.name, ...knn, pct(r.probe)];
    return [...cells, r.secondsPerEpoch.toFixed(1)];
  };
  const table = markdownTable(header, rows.map(line));
  return pooled ? `${table}\n\nMeans over the seeds; ranges: the lowest and highest seed.` : table;
}

/** '+ SqrtKL (λ 20)' → 'sqrtkl-20': a run's name as a folder name. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-|-$/g, '') || 'run'
  );
}
