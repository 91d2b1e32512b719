// The label-efficiency and transfer experiments as a user runs them, on small stand-ins for
// Fashion-MNIST and the mnist package's digits: every row, a rerun that trains nothing, another
// base refused; the second experiment reuses the networks the first pre-trained (so the two
// tests run in this order).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { TEST_PER_DIGIT } from '../src/data/mnist-json.js';
import { digitFiles } from './helpers/digits.js';
import { bandedImages, dataset } from './helpers/idx.js';
import { seededRandom } from './helpers/oracle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const experiment = join(root, 'dist/scripts/experiment.js');
// 1,000 training images: 1 % of the labels is one image a class
const dataDir = dataset(bandedImages(1000, 100, seededRandom(5)));
const tiny = 'subset=0 epochs=1 batch=100 width=0.25 hidden=32 negatives=30';
const pretrained = mkdtempSync(join(tmpdir(), 'pretrained-'));

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'src/experiment.ts'], { cwd: root });
}, 120_000);

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, SSLGPU_BACKEND: 'wasm', SSLGPU_THREADS: '1' };
  const { status, stdout, stderr } = spawnSync(process.execPath, [experiment, ...args, '--data', dataDir, '--pretrained', pretrained], {
    cwd: root,
    encoding: 'utf8',
    env,
  });
  return { status, stdout, stderr };
}

const results = <T>(out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as T;

it('labels: probe, fine-tune and scratch at 1 %, 10 %, 100 %; run again, nothing is trained; another base is refused', () => {
  const out = mkdtempSync(join(tmpdir(), 'labels-'));
  const first = run(['labels', '--base', tiny, '--steps', '4', '--out', out]);
  expect(first.status, first.stderr).toBe(0);
  expect(first.stdout).toContain('24 of 24 rows to run');
  const { rows } = results<{ rows: { source: string; protocol: string; fraction: number; labels: number; accuracy: number }[] }>(out);
  for (const fraction of [0.01, 0.1, 1]) {
    const at = rows.filter((r) => r.fraction === fraction);
    expect(at.map((r) => `${r.source} ${r.protocol}`).sort()).toEqual(
      [...['ours', 'NPID', 'SimCLR'].flatMap((s) => [`${s} probe`, `${s} fine-tune`]), 'raw pixels probe', 'random init scratch'].sort(),
    );
    expect(new Set(at.map((r) => r.labels))).toEqual(new Set([{ 0.01: 10, 0.1: 100, 1: 1000 }[fraction]]));
    for (const r of at) expect(r.accuracy).toBeGreaterThanOrEqual(0);
  }
  const table = readFileSync(join(out, 'labels.md'), 'utf8');
  expect(table).toContain('| 1 % (10 labels) | 10 % (100 labels) | 100 % (1,000 labels) |');
  expect(table).toContain('| ours | fine-tune |');
  expect(table).toContain('| random init | from scratch |');
  for (const file of ['labels.svg', 'ours-fine-tune-1/checkpoint.sslgpu', 'scratch-100/checkpoint.sslgpu'])
    expect(existsSync(join(out, file)), file).toBe(true);
  for (const method of ['ours', 'npid', 'simclr']) expect(existsSync(join(pretrained, method, 'checkpoint.sslgpu'))).toBe(true);

  const again = run(['labels', '--base', tiny, '--steps', '4', '--out', out]);
  expect(again.status, again.stderr).toBe(0);
  expect(again.stdout).toContain('0 of 24 rows to run');
  expect(again.stdout).not.toMatch(/epoch 1: loss/);

  const other = run(['labels', '--base', tiny.replace('epochs=1', 'epochs=2'), '--steps', '4', '--out', out]);
  expect(other.status).toBe(1);
  expect(other.stderr).toMatch(/results\.json: made with --base ".*epochs=1.*", this run has ".*epochs=2.*"; use another --out/);
  const longer = run(['labels', '--base', tiny, '--steps', '5', '--out', out]);
  expect(longer.status).toBe(1);
  expect(longer.stderr).toContain('results.json: made with steps 4, this run has 5; use another --out');
  const elsewhere = run(['labels', '--base', tiny.replace('epochs=1', 'epochs=2'), '--out', mkdtempSync(join(tmpdir(), 'labels-'))]);
  expect(elsewhere.stderr).toContain(
    `${join(pretrained, 'ours', 'checkpoint.sslgpu')}: pre-trained with epochs = 1, this --base has epochs = 2`,
  );
  expect(run(['transfer', '--steps', '4']).stderr).toContain('--steps is for labels, not transfer');
}, 300_000);

it('transfer: every feature source on the digits, the self-supervised networks reused from labels; resumable', () => {
  const out = mkdtempSync(join(tmpdir(), 'transfer-'));
  const digits = digitFiles(TEST_PER_DIGIT + 30);
  const args = ['transfer', '--base', tiny, '--out', out, '--digits', digits, '--test-subset', '100'];
  const first = run(args);
  expect(first.status, first.stderr).toBe(0);
  expect(first.stdout).toContain('ours 1/1 epochs, NPID 1/1 epochs, SimCLR 1/1 epochs, supervised 0/1 epochs');
  expect(first.stdout).toMatch(/pre-training supervised, epoch 1: loss/);
  expect(first.stdout).not.toMatch(/pre-training (ours|NPID|SimCLR), epoch 1: loss/);
  const file = results<{ digits: { train: number; test: number }; rows: { source: string; knnH: number | null; probe: number }[] }>(out);
  expect(file.digits).toEqual({ train: 300, test: 100 });
  expect(file.rows.map((r) => r.source)).toEqual(['raw pixels', 'random init', 'ours', 'NPID', 'SimCLR', 'supervised']);
  for (const r of file.rows) expect(r.probe).toBeGreaterThan(0.1);
  expect(readFileSync(join(out, 'transfer.md'), 'utf8')).toContain('| random init |');
  expect(existsSync(join(out, 'transfer.svg'))).toBe(true);

  const again = run(args);
  expect(again.status, again.stderr).toBe(0);
  expect(again.stdout).toContain('0 of 6 sources to score');
  const other = run([...args.slice(0, 2), 'subset=0 epochs=1 batch=50', ...args.slice(3)]);
  expect(other.status).toBe(1);
  expect(other.stderr).toContain(
    `${join(out, 'results.json')}: made with --base "${tiny}", this run has "subset=0 epochs=1 batch=50"; use another --out`,
  );
}, 300_000);
