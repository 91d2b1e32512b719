// The command line as a user runs it: a training run killed mid-epoch, or stopped by SIGINT
// and SIGTERM, and resumed ends where the uninterrupted run ends; a damaged checkpoint, or one
// holding a NaN, is refused and left as it was; a diverging run exits 3 or rolls back; a bad
// data file or a foreign checkpoint is named in one line.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { decodeTensorFile, encodeTensorFile } from '../src/engine/io/tensor-file.js';
import { bandedImages, dataset, idx } from './helpers/idx.js';
import { seededRandom } from './helpers/oracle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/scripts/cli.js');
const data = bandedImages(160, 40, seededRandom(11));
const dataDir = dataset(data);
// 20 steps an epoch, a logged loss every 5: the kill lands inside epoch 2
const flags = [
  '--data',
  dataDir,
  '--subset',
  '0',
  '--epochs',
  '3',
  '--batch',
  '8',
  '--width',
  '0.25',
  '--backend',
  'wasm',
  '--threads',
  '1',
];

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'src/cli.ts'], { cwd: root });
}, 120_000);

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { status, stdout, stderr };
}

const finalKnn = (stdout: string) => /this run \(v\)\s+([\d.]+) %/.exec(stdout)?.[1];
interface MetricsRecord {
  event: string;
  epoch: number;
  step: number;
  loss: number;
  lr?: number;
}
const metrics = (out: string): MetricsRecord[] => {
  const path = join(out, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
};
const epochLosses = (out: string) =>
  metrics(out)
    .filter((r) => r.event === 'epoch')
    .map((r) => [r.epoch, r.loss]);
/**
 * The step records as a reader should take them: a resume record (epoch e, step s) says that
 * training continued from step s of epoch e, so the records before it past that point are
 * superseded.
 */
const stepLosses = (out: string) => {
  const kept: MetricsRecord[] = [];
  for (const r of metrics(out)) {
    if (r.event === 'step') kept.push(r);
    if (r.event === 'resume') {
      while (kept.length > 0 && (kept.at(-1)!.epoch > r.epoch || (kept.at(-1)!.epoch === r.epoch && kept.at(-1)!.step > r.step)))
        kept.pop();
    }
  }
  return kept.map((r) => [r.epoch, r.step, r.loss]);
};

/** The uninterrupted run every interrupted one is compared with, run once. */
let straightRun: { dir: string; stdout: string } | undefined;
function straight(): { dir: string; stdout: string } {
  if (!straightRun) {
    const dir = mkdtempSync(join(tmpdir(), 'run-'));
    const result = run(['train', ...flags, '--out', dir]);
    expect(result.status, result.stderr).toBe(0);
    expect(finalKnn(result.stdout)).toBeDefined();
    expect(result.stdout).toContain('(k 160, bank: the 160 training images)'); // the k kNN used: the bank has fewer than 200 rows
    straightRun = { dir, stdout: result.stdout };
  }
  return straightRun;
}

/** Starts a training run and resolves when `ready` holds for its metrics records so far. */
function startTraining(args: string[], out: string, ready: (records: MetricsRecord[]) => boolean) {
  const child = spawn(process.execPath, [cli, 'train', ...args, '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (ready(metrics(out))) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
    exited.then(({ code }) => {
      clearInterval(poll);
      reject(new Error(`run ended by itself (${code}): ${stderr}`));
    });
  });
  return { child, started, exited, stderr: () => stderr };
}

it('a run killed mid-epoch resumes to the same losses and kNN as an uninterrupted one', async () => {
  const killedDir = mkdtempSync(join(tmpdir(), 'run-'));
  const killed = startTraining(flags, killedDir, (records) => records.some((r) => r.event === 'step' && r.epoch === 2));
  await killed.started;
  killed.child.kill('SIGKILL');
  expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(readdirSync(killedDir).sort()).toEqual(['checkpoint.sslgpu', 'metrics.jsonl']);

  const resumed = run(['train', ...flags, '--out', killedDir, '--resume']);
  expect(resumed.status, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('after epoch 1');
  expect(finalKnn(resumed.stdout)).toBe(finalKnn(straight().stdout));
  expect(epochLosses(killedDir)).toEqual(epochLosses(straight().dir));
  // epoch 2's steps before the kill are logged twice; the resume record says which count
  expect(stepLosses(killedDir)).toEqual(stepLosses(straight().dir));

  // a damaged checkpoint: refused with its name, and left exactly as it was
  const checkpoint = join(killedDir, 'checkpoint.sslgpu');
  const good = readFileSync(checkpoint);
  writeFileSync(checkpoint, good.subarray(0, good.length - 1000));
  const refused = run(['train', ...flags, '--out', killedDir, '--resume']);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain(checkpoint);
  expect(readFileSync(checkpoint).length).toBe(good.length - 1000);
}, 300_000);

it('SIGINT and SIGTERM stop a run after a step with a checkpoint that --resume continues exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-'));
  const checkpoint = join(dir, 'checkpoint.sslgpu');
  const stopLine = (stderr: string, signal: string) => {
    const lines = stderr.split('\n').filter((line) => line.startsWith(`${signal}:`));
    expect(lines).toHaveLength(1);
    const [, where, file] = /^SIG\w+: stopped (.*); (.*) holds the run; run the same command with --resume to continue$/.exec(lines[0]!)!;
    expect(file).toBe(checkpoint);
    expect(where).toMatch(/^(in epoch [1-3] after step \d+ of 20|after epoch [12])$/);
  };

  const first = startTraining(flags, dir, (records) => records.some((r) => r.event === 'step'));
  await first.started;
  first.child.kill('SIGINT');
  expect(await first.exited).toEqual({ code: 130, signal: null });
  stopLine(first.stderr(), 'SIGINT');

  // resumed, then stopped again once it has logged a step of its own
  const afterResume = (records: MetricsRecord[]) =>
    records.slice(records.findIndex((r) => r.event === 'resume')).some((r) => r.event === 'step');
  const second = startTraining([...flags, '--resume'], dir, (records) => records.some((r) => r.event === 'resume') && afterResume(records));
  await second.started;
  second.child.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 143, signal: null });
  stopLine(second.stderr(), 'SIGTERM');

  const last = run(['train', ...flags, '--out', dir, '--resume']);
  expect(last.status, last.stderr).toBe(0);
  expect(finalKnn(last.stdout)).toBe(finalKnn(straight().stdout));
  expect(epochLosses(dir)).toEqual(epochLosses(straight().dir));
  expect(stepLosses(dir)).toEqual(stepLosses(straight().dir));
  expect(metrics(dir).filter((r) => r.event === 'interrupted')).toHaveLength(2);
}, 300_000);

it('a diverging run exits 3 with one line and no checkpoint, or rolls back at half the learning rate and finishes', () => {
  const stoppedDir = mkdtempSync(join(tmpdir(), 'run-'));
  const stopped = run(['train', ...flags, '--method', 'supervised', '--lr', '100', '--out', stoppedDir]);
  expect(stopped.status).toBe(3);
  expect(stopped.stderr.split('\n').filter((line) => line.startsWith('error:'))).toEqual([
    expect.stringMatching(/^error: training diverged in epoch 1 at step \d+ of 20: the loss .*; no checkpoint was written$/),
  ]);
  expect(stopped.stderr).not.toMatch(/^\s+at /m);
  expect(existsSync(join(stoppedDir, 'checkpoint.sslgpu'))).toBe(false);
  expect(metrics(stoppedDir).filter((r) => r.event === 'diverged')).toHaveLength(1);

  const rolledDir = mkdtempSync(join(tmpdir(), 'run-'));
  const rolled = run(['train', ...flags, '--method', 'supervised', '--lr', '20', '--on-diverge', 'rollback', '--out', rolledDir]);
  expect(rolled.status, rolled.stderr).toBe(0);
  expect(rolled.stdout).toContain('rollback 1 of 3: back to before the first step, learning rate halved to 10');
  const rates = metrics(rolledDir)
    .filter((r) => r.event === 'rollback')
    .map((r) => r.lr);
  expect(rates).toEqual([10, 5, 2.5].slice(0, rates.length));
  expect(epochLosses(rolledDir).map(([epoch]) => epoch)).toEqual([1, 2, 3]);

  const wrong = run(['train', ...flags, '--on-diverge', 'retry', '--out', rolledDir]);
  expect([wrong.status, wrong.stderr.trim()]).toEqual([2, 'error: --on-diverge must be stop, rollback; got retry']);
}, 300_000);

it('eval refuses a checkpoint holding a NaN, naming the file and the tensor', () => {
  const source = join(straight().dir, 'checkpoint.sslgpu');
  const file = decodeTensorFile(new Uint8Array(readFileSync(source)), source); // a copy: a Buffer's slices share its memory
  const tensor = file.tensors.find((t) => t.dtype === 'f32')!;
  tensor.data[0] = NaN;
  const poisoned = join(mkdtempSync(join(tmpdir(), 'run-')), 'poisoned.sslgpu');
  writeFileSync(poisoned, encodeTensorFile(file));
  for (const kind of ['knn', 'linear']) {
    const { status, stderr } = run(['eval', kind, '--checkpoint', poisoned, '--data', dataDir, '--backend', 'wasm', '--threads', '1']);
    expect([status, stderr.trim()]).toEqual([
      1,
      `error: ${poisoned}: tensor ${tensor.name} holds NaN at index 0; the run that wrote it had diverged`,
    ]);
  }
}, 120_000);

it('a truncated data file stops the run with the file named', () => {
  const broken = dataset({ ...data, 't10k-images-idx3-ubyte': data['t10k-images-idx3-ubyte'].subarray(0, 5000) });
  const { status, stderr } = run(['train', ...flags, '--data', broken, '--out', mkdtempSync(join(tmpdir(), 'run-'))]);
  expect(status).not.toBe(0);
  expect(stderr).toContain(`${join(broken, 't10k-images-idx3-ubyte')}: truncated`);
  expect(stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
});

it('data that cannot be trained on, and a checkpoint of no run, stop it with one line naming the file', () => {
  const testImages = (count: number, height: number, width: number) => ({
    ...data,
    't10k-images-idx3-ubyte': idx(3, [count, height, width], new Uint8Array(count * height * width)),
    't10k-labels-idx1-ubyte': idx(1, [count], new Uint8Array(count)),
  });
  const mismatched = dataset(testImages(40, 16, 49));
  const empty = dataset(testImages(0, 28, 28));
  const folder = dataset(data);
  rmSync(join(folder, 'train-labels-idx1-ubyte'));
  mkdirSync(join(folder, 'train-labels-idx1-ubyte'));
  const stateDict = join(mkdtempSync(join(tmpdir(), 'run-')), 'weights.sslgpu');
  writeFileSync(stateDict, encodeTensorFile({ meta: {}, tensors: [] }));
  const cases: [string[], string][] = [
    [['--data', mismatched], `${join(mismatched, 't10k-images-idx3-ubyte')}: test images of 16×49 pixels, but the training images`],
    [['--data', empty], `${join(empty, 't10k-images-idx3-ubyte')}: holds no images`],
    [['--data', folder], `${join(folder, 'train-labels-idx1-ubyte')}: is a directory, where an IDX file is expected`],
    [['eval', 'knn', '--checkpoint', stateDict], `${stateDict}: holds no training configuration`],
  ];
  for (const [args, message] of cases) {
    const command = args[0] === 'eval' ? args : [...flags, ...args]; // eval takes its setting from the checkpoint
    const { status, stderr } = run([...command, '--out', mkdtempSync(join(tmpdir(), 'run-'))]);
    expect(status, stderr).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`error: ${message}`)]); // one line, no stack trace
  }
}, 120_000);
