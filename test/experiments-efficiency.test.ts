// The model and data experiments (issue 15) as a user runs them, on a small stand-in data set:
// a row per backbone and method, or per size and method, each trained once; run again, nothing
// is retrained, and a row killed after its checkpoint continues from it; another --base is
// refused. And what the data experiment rests on: a trainer evaluated against other labelled
// images scores as one trained on them with the same weights would.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { probeTrainer } from '../src/cli/session.js';
import { slug } from '../src/experiments/ablation.js';
import { toDevice } from '../src/method/data.js';
import { DEFAULTS, Trainer } from '../src/method/train.js';
import { createWasmBackend } from '../src/node.js';
import { buildExperiment, runExperiment } from './helpers/experiment.js';
import { bandedImages, bandedSplit, dataset } from './helpers/idx.js';
import { seededRandom } from './helpers/oracle.js';

const dataDir = dataset(bandedImages(120, 40, seededRandom(5)));
const run = (args: string[]) => runExperiment(args, dataDir);

beforeAll(buildExperiment, 120_000);

interface Row {
  name: string;
  method: string;
  knnV: number;
  probe: number;
}
const rows = <R extends Row>(out: string) => (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: R[] }).rows;
const byName = <R extends Row>(list: R[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));

/** The training steps a run took, from its metrics.jsonl: each epoch's last logged step (every epoch logs its last). */
function stepsTaken(dir: string): number {
  const last = new Map<number, number>();
  for (const line of readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')) {
    const record = JSON.parse(line) as { event: string; epoch: number; step: number };
    if (record.event === 'step') last.set(record.epoch, Math.max(last.get(record.epoch) ?? 0, record.step));
  }
  return [...last.values()].reduce((sum, s) => sum + s, 0);
}

it('models: a row per backbone and method, the cheap backbone first; run again, nothing is retrained; another base is refused', () => {
  const out = mkdtempSync(join(tmpdir(), 'models-'));
  const args = ['models', '--archs', 'mobilenetv2:0.25,fmnist-resnet:0.25', '--out', out, '--test-subset', '20'];
  const base = 'subset=60 epochs=1 batch=20 hidden=32 negatives=30';
  const first = run([...args, '--base', base]);
  expect(first.status, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/8 runs, 8 to run, about \S+ in all/);
  expect(first.stdout).toMatch(/\[1\/8\] fmnist-resnet ×0\.25/); // 2.4 million multiply-adds an image against 13.9
  type ModelsRow = Row & { parameters: number; macs: number; secondsPerEpoch: number; peakBytes: number };
  const done = rows<ModelsRow>(out);
  expect(done.map((r) => r.name).sort()).toEqual(
    ['fmnist-resnet ×0.25', 'mobilenetv2 ×0.25'].flatMap((b) => ['NPID', 'SimCLR', 'ours', 'supervised'].map((m) => `${b}, ${m}`)).sort(),
  );
  for (const r of done) {
    expect([r.knnV, r.probe, r.secondsPerEpoch].every((x) => x > 0)).toBe(true);
    expect(r.peakBytes).toBeGreaterThan(1e5);
  }
  expect(done.find((r) => r.name === 'mobilenetv2 ×0.25, ours')).toMatchObject({ parameters: 237_968 });
  const table = readFileSync(join(out, 'models.md'), 'utf8');
  expect(table).toContain('| raw pixels |');
  expect(table).toMatch(/\| mobilenetv2 ×0\.25 \| 237,968 \| 13\.9 M \| SimCLR \|/);
  expect(readFileSync(join(out, 'models.svg'), 'utf8')).toContain('<svg');

  const again = run([...args, '--base', base]);
  expect(again.status, again.stderr).toBe(0);
  expect(again.stdout).toContain('8 runs, 0 to run');
  expect(again.stdout).not.toMatch(/epoch 1: loss/);
  expect(byName(rows(out))).toEqual(byName(done));

  const otherBase = 'subset=60 epochs=2 batch=20 hidden=32 negatives=30';
  const other = run([...args, '--base', otherBase]);
  expect(other.status).toBe(1);
  expect(other.stderr.trim()).toBe(
    `error: ${join(out, 'results.json')}: made with --base "${base}", this run has "${otherBase}"; use another --out`,
  );
}, 300_000);

it('data: every size and method at the same steps, evaluated against the whole split; a killed row resumes; another base refused', () => {
  const out = mkdtempSync(join(tmpdir(), 'data-'));
  const base = 'epochs=1 batch=20 width=0.25 hidden=32 negatives=30';
  const args = ['data', '--sizes', '40,120', '--base', base, '--out', out, '--test-subset', '20'];
  const first = run(args);
  expect(first.status, first.stderr).toBe(0);
  expect(first.stdout).toContain('data: 6 steps of 20 images for every size');
  type DataRow = Row & { images: number; epochs: number; steps: number };
  const done = rows<DataRow>(out);
  expect(done.map((r) => [r.name, r.epochs])).toEqual([
    ['40 images, ours', 3],
    ['40 images, NPID', 3],
    ['40 images, SimCLR', 3],
    ['40 images, supervised', 3],
    ['120 images, ours', 1],
    ['120 images, NPID', 1],
    ['120 images, SimCLR', 1],
    ['120 images, supervised', 1],
  ]);
  // the steps each run took, counted from its log: the same for every size
  for (const r of done) expect([r.name, stepsTaken(join(out, slug(r.name)))]).toEqual([r.name, 6]);
  const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    labelledImages: number;
    steps: number;
    warmupSteps: number;
  };
  expect(file).toMatchObject({ labelledImages: 120, steps: 6, warmupSteps: 6 });
  const table = readFileSync(join(out, 'data.md'), 'utf8');
  expect(table).toContain('| none (raw pixels) |');
  expect(table).toContain('Every row: 6 optimizer steps of 20 images (120 images seen)');
  expect(table).toContain('all 120 training images as the labelled bank');

  // a kill after the row's last checkpoint, before its row was written: the rerun trains nothing
  const path = join(out, 'results.json');
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { rows: DataRow[] };
  writeFileSync(path, JSON.stringify({ ...saved, rows: saved.rows.filter((r) => r.name !== '40 images, NPID') }));
  const again = run(args);
  expect(again.status, again.stderr).toBe(0);
  expect(again.stdout).toContain('8 runs, 1 to run');
  expect(again.stdout).toMatch(/resumed from .*40-images-npid.checkpoint\.sslgpu after epoch 3/);
  expect(again.stdout).not.toMatch(/epoch \d: loss/);
  const redone = rows<DataRow>(out).find((r) => r.name === '40 images, NPID')!;
  const before = done.find((r) => r.name === '40 images, NPID')!;
  expect([redone.knnV, redone.probe]).toEqual([before.knnV, before.probe]);

  const other = run(['data', '--sizes', '40,120', '--base', 'epochs=2 batch=20 width=0.25 hidden=32 negatives=30', '--out', out]);
  expect(other.status).toBe(1);
  expect(other.stderr).toMatch(/^error: .*results\.json: made with --base "epochs=1 .*"; use another --out\n$/);
}, 300_000);

it('models and data: a wrong option or base stops with one line and exit code 2', () => {
  const out = mkdtempSync(join(tmpdir(), 'efficiency-'));
  const refused = (args: string[]) => {
    const { status, stderr } = run([...args, '--out', out]);
    expect(status, stderr).toBe(2);
    return stderr.trim();
  };
  expect(refused(['models', '--archs', 'resnet50:1'])).toBe('error: --archs must be fmnist-resnet, resnet18, mobilenetv2; got resnet50');
  expect(refused(['models', '--archs', 'resnet18:0'])).toMatch(/^error: --archs width must be a number in \[0\.03125, 16\]; got 0$/);
  expect(refused(['models', '--archs', 'resnet18'])).toBe('error: --archs: expected arch:width,… (fmnist-resnet:0.5); got resnet18');
  expect(refused(['models', '--base', 'arch=resnet18 width=1'])).toBe(
    'error: models: --base sets arch, width; the experiment varies them (--archs, --methods)',
  );
  expect(refused(['models', '--sizes', '40'])).toBe('error: --sizes is for data, not models');
  expect(refused(['sweep', '--methods', 'ours'])).toBe('error: --methods is for models and data, not sweep');
  expect(refused(['data', '--base', 'subset=40'])).toBe('error: data: --base sets subset; the experiment varies them (--sizes, --methods)');
  expect(refused(['data', '--sizes', '40,x'])).toBe('error: --sizes: expected image counts (whole numbers from 2), comma-separated; got x');
  expect(refused(['data', '--sizes', '50,120', '--base', 'epochs=1 batch=20'])).toBe(
    'error: data: batch 20 does not divide 50 images; every run needs whole batches to take the same steps',
  );
  expect(refused(['data', '--sizes', '80,120', '--base', 'epochs=1 batch=20'])).toBe(
    'error: data: 1 × 120 images seen are 1.5 epochs of 80 images; choose sizes that divide 120',
  );
  expect(refused(['data', '--sizes', '40,240', '--base', 'epochs=1 batch=20'])).toBe('error: --sizes 240: the training set has 120 images');
}, 120_000);

it('a trainer evaluated against other labelled images scores as one trained on them with the same weights', async () => {
  const backend = await createWasmBackend({ threads: 1 });
  const split = bandedSplit(60, 1);
  const all = toDevice(split, backend),
    part = toDevice(
      split,
      backend,
      Int32Array.from({ length: 20 }, (_, i) => 2 * i),
    ),
    test = toDevice(bandedSplit(20, 2), backend);
  const config = { ...DEFAULTS, epochs: 1, batch: 10, width: 0.25, hidden: 32, dim: 16 };
  const onPart = new Trainer(config, backend, part, test),
    onAll = new Trainer(config, backend, all, test);
  await onPart.trainEpoch();
  onAll.encoder.loadStateDict(onPart.encoder.stateDict());
  expect(await onPart.evaluate({ bank: all })).toEqual(await onAll.evaluate());
  expect(await probeTrainer(onPart, all)).toBe(await probeTrainer(onAll));
  expect(await onPart.evaluate()).not.toEqual(await onAll.evaluate()); // its own 20 images as the bank: another score
  onPart.dispose();
  onAll.dispose();
  backend.destroy();
}, 60_000);
