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
import { openResults } from './rows.js';

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
  report(results, out);
}

/** Merges the results.json of ablation runs made in several processes (`--only`) into one table. */
export function mergeReports(dirs: string[], out: string): void {
  const merged = dirs.flatMap((dir) => (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: AblationRow[] }).results);
  mkdirSync(out, { recursive: true });
  report(merged, out);
}

function byAblationOrder(a: AblationRow, b: AblationRow): number {
  return ABLATION.findIndex((r) => r.name === a.name) - ABLATION.findIndex((r) => r.name === b.name);
}

function report(results: AblationRow[], out: string): void {
  results.sort(byAblationOrder);
  const epochs = Math.max(...results.map((r) => r.knn.length));
  const marks = [...new Set([1, 5, 10, epochs].filter((e) => e <= epochs))];
  const pct = (x: number | undefined) => (x === undefined ? '' : (100 * x).toFixed(1));
  const table = [
    `| run | ${marks.map((e) => `kNN ep ${e}`).join(' | ')} | linear probe | s / epoch |`,
    `|---|${marks.map(() => '---').join('|')}|---|---|`,
    ...results.map(
      (r) => `| ${r.name} | ${marks.map((e) => pct(r.knn[e - 1])).join(' | ')} | ${pct(r.probe)} | ${r.secondsPerEpoch.toFixed(1)} |`,
    ),
  ].join('\n');
  writeFileSync(join(out, 'ablation.md'), `${table}\n`);
  writeFileSync(join(out, 'ablation.svg'), knnPlot(results, epochs));
  console.log(`\n${table}\n\n${join(out, 'ablation.md')}, ${join(out, 'ablation.svg')}`);
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
