// The command line as a user runs it: a training run killed mid-epoch and resumed ends where
// the uninterrupted run ends, a damaged checkpoint is refused and left as it was, and a bad
// data file or a foreign checkpoint is named in one line.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { encodeTensorFile } from '../src/engine/io/tensor-file.js';
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
const epochLosses = (out: string) =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; epoch: number; loss: number })
    .filter((r) => r.event === 'epoch')
    .map((r) => [r.epoch, r.loss]);

it('a run killed mid-epoch resumes to the same losses and kNN as an uninterrupted one', async () => {
  const straightDir = mkdtempSync(join(tmpdir(), 'run-'));
  const straight = run(['train', ...flags, '--out', straightDir]);
  expect(straight.status, straight.stderr).toBe(0);
  expect(finalKnn(straight.stdout)).toBeDefined();
  expect(straight.stdout).toContain('(k 160, bank: the 160 training images)'); // the k kNN used: the bank has fewer than 200 rows

  const killedDir = mkdtempSync(join(tmpdir(), 'run-'));
  const child = spawn(process.execPath, [cli, 'train', ...flags, '--out', killedDir], { cwd: root, stdio: 'ignore' });
  const metrics = join(killedDir, 'metrics.jsonl');
  const inEpochTwo = () => existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"event":"step","epoch":2');
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (inEpochTwo()) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`run ended by itself (${code})`))));
  });
  expect(readdirSync(killedDir).sort()).toEqual(['checkpoint.sslgpu', 'metrics.jsonl']);

  const resumed = run(['train', ...flags, '--out', killedDir, '--resume']);
  expect(resumed.status, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('after epoch 1');
  expect(finalKnn(resumed.stdout)).toBe(finalKnn(straight.stdout));
  expect(epochLosses(killedDir)).toEqual(epochLosses(straightDir));

  // a damaged checkpoint: refused with its name, and left exactly as it was
  const checkpoint = join(killedDir, 'checkpoint.sslgpu');
  const good = readFileSync(checkpoint);
  writeFileSync(checkpoint, good.subarray(0, good.length - 1000));
  const refused = run(['train', ...flags, '--out', killedDir, '--resume']);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain(checkpoint);
  expect(readFileSync(checkpoint).length).toBe(good.length - 1000);
}, 300_000);

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
