// The experiments as a user runs them, on a small stand-in data set: a sweep writes a row
// per setting and, run again, runs nothing twice; a race trains every racer epoch by epoch
// in turn and plots kNN against seconds.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ablationTable, poolSeeds } from '../src/experiments/ablation.js';
import { buildExperiment, runExperiment } from './helpers/experiment.js';
import { bandedImages, dataset } from './helpers/idx.js';
import { seededRandom } from './helpers/oracle.js';

const dataDir = dataset(bandedImages(120, 40, seededRandom(5)));
const tiny = 'subset=0 epochs=2 batch=20 width=0.25 hidden=32 negatives=30';

beforeAll(buildExperiment, 120_000);

const run = (args: string[]) => runExperiment(args, dataDir);

it('sweep: a row per setting with its command; run again, it runs nothing twice', () => {
  const out = mkdtempSync(join(tmpdir(), 'sweep-'));
  const first = run(['sweep', '--base', tiny, '--grid', 'crop-min=0.3,0.6', '--out', out]);
  expect(first.status, first.stderr).toBe(0);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    rows: { name: string; knnV: number; probe: number; command: string }[];
  };
  expect(results.rows.map((r) => r.name)).toEqual(['crop-min=0.3', 'crop-min=0.6']);
  for (const row of results.rows) {
    expect(row.knnV).toBeGreaterThan(0);
    expect(row.probe).toBeGreaterThan(0);
    expect(row.command).toContain('--crop-min');
  }
  expect(readFileSync(join(out, 'sweep.md'), 'utf8')).toContain('| raw pixels |');
  const again = run(['sweep', '--base', tiny, '--grid', 'crop-min=0.3,0.6', '--out', out]);
  expect(again.stdout).toContain('2 settings, 0 to run');
  const other = run(['sweep', '--base', 'subset=0 epochs=3', '--grid', 'crop-min=0.3', '--out', out]);
  expect(other.status).not.toBe(0);
  expect(other.stderr).toContain('use another --out');
  // the same words resolving to another setting (npm start's defaults moved since) are refused too
  const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { baseConfig: { lr: number } };
  file.baseConfig.lr = 0.5;
  writeFileSync(join(out, 'results.json'), JSON.stringify(file));
  const moved = run(['sweep', '--base', tiny, '--grid', 'crop-min=0.3,0.6', '--out', out]);
  expect(moved.status).toBe(1);
  expect(moved.stderr).toMatch(/the defaults moved: lr 0.5 → [\d.]+\); pin them in --base/);
}, 300_000);

it('race: every racer epoch by epoch, kNN against seconds', () => {
  const out = mkdtempSync(join(tmpdir(), 'race-'));
  const { status, stderr } = run(['race', '--base', tiny, '--out', out]);
  expect(status, stderr).toBe(0);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    racers: { name: string; history: { knnV: number }[] }[];
  };
  expect(results.racers.map((r) => [r.name, r.history.length])).toEqual([
    ['ours', 2],
    ['NPID', 2],
    ['SimCLR', 2],
    ['supervised', 2],
  ]);
  expect(existsSync(join(out, 'race.svg'))).toBe(true);
  expect(readFileSync(join(out, 'race.md'), 'utf8')).toMatch(/\| supervised \| 2 \|/);
}, 300_000);

it('ablation: five runs from the same base, each row with its kNN per epoch and probe; run again, nothing is redone', () => {
  const out = mkdtempSync(join(tmpdir(), 'ablation-'));
  const first = run(['ablation', '--base', tiny, '--only', 'NPID,full method', '--out', out]);
  expect(first.status, first.stderr).toBe(0);
  const rows = () =>
    (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: { name: string; knn: number[]; probe: number }[] }).results;
  expect(rows().map((r) => [r.name, r.knn.length])).toEqual([
    ['NPID', 2],
    ['full method', 2],
  ]);
  const again = run(['ablation', '--base', tiny, '--out', out]);
  expect(again.status, again.stderr).toBe(0);
  expect(again.stdout.match(/epoch 1: loss/g)).toHaveLength(3); // only the three runs not yet done
  expect(rows().map((r) => r.name)).toEqual(['NPID', '+ calibrate init', '+ corrected update', '+ SqrtKL (λ 20)', 'full method']);
  expect(readFileSync(join(out, 'ablation.md'), 'utf8')).toContain('| full method |');

  // another seed of one row, merged: that row pools both seeds, the others keep their one
  const seed1 = mkdtempSync(join(tmpdir(), 'ablation-seed1-'));
  expect(run(['ablation', '--base', `${tiny} seed=1`, '--only', 'NPID', '--out', seed1]).status).toBe(0);
  const merged = mkdtempSync(join(tmpdir(), 'ablation-merged-'));
  const report = run(['report', out, seed1, '--out', merged]);
  expect(report.status, report.stderr).toBe(0);
  const table = readFileSync(join(merged, 'ablation.md'), 'utf8');
  expect(table).toMatch(/^\| NPID \| 0, 1 \|/m);
  expect(table).toMatch(/^\| full method \| 0 \|/m);
  expect(table).toContain('Means over the seeds');
}, 300_000);

it('ablation report: runs of one name at several seeds pool into their mean and range', () => {
  const run = (seed: number, knn: number[], probe: number) => ({ name: 'NPID', knn, probe, secondsPerEpoch: 10 + seed, seed });
  const [npid] = poolSeeds([run(0, [0.5, 0.7], 0.8), run(1, [0.6, 0.74], 0.76), run(2, [0.4, 0.72], 0.78)]);
  expect(npid!.seeds).toEqual([0, 1, 2]);
  expect(npid!.knn[0]).toBeCloseTo(0.5, 12);
  expect(npid!.knn[1]).toBeCloseTo(0.72, 12);
  expect(npid!.probe).toBeCloseTo(0.78, 12);
  expect(npid!.lastKnnRange).toEqual([0.7, 0.74]);
  expect(npid!.probeRange).toEqual([0.76, 0.8]);
  expect(ablationTable([npid!])).toContain('| NPID | 0, 1, 2 | 50.0 | 72.0 | 70.0–74.0 | 78.0 | 76.0–80.0 | 11.0 |');
});
