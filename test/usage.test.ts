// Usage errors as a user meets them, in `npm start`, `npm run experiment` and `npm run bench`
// alike: an unknown flag, a missing value or a value out of range stops the command with one
// line that names the flag, the value and what is allowed, and exit code 2; never a stack trace.
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { bandedImages, dataset } from './helpers/idx.js';
import { seededRandom } from './helpers/oracle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPTS = { start: 'cli.js', experiment: 'experiment.js', bench: 'main.js' };
const dataDir = dataset(bandedImages(160, 40, seededRandom(2)));

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'src/cli.ts', 'src/experiment.ts', 'bench/main.ts'], { cwd: root });
}, 120_000);

/** Runs a command (on WebAssembly unless `env` says otherwise). */
function run(command: keyof typeof SCRIPTS, args: string[], env: Record<string, string> = { SSLGPU_BACKEND: 'wasm' }) {
  const script = join(root, 'dist/scripts', SCRIPTS[command]);
  const { SSLGPU_BACKEND: _, SSLGPU_VERBOSE: __, ...inherited } = process.env;
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', env: { ...inherited, ...env } });
}

/** The one line a usage error prints, after checking that it is one line and exit code 2. */
function usageError(command: keyof typeof SCRIPTS, ...args: string[]): string {
  const { status, stderr } = run(command, args);
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(status, `${command} ${args.join(' ')}`).toBe(2);
  return stderr.trim();
}

it('npm start: an unknown flag, a missing value, a value out of range', () => {
  expect(usageError('start', '--bogus')).toBe('error: unknown flag --bogus (--help lists them)');
  expect(usageError('start', '--batch')).toBe('error: --batch needs a value: an integer in [2, 65536]');
  expect(usageError('start', '--batch', '-5')).toBe('error: --batch must be an integer in [2, 65536]; got -5');
  expect(usageError('start', '--epochs', '0')).toBe('error: --epochs must be an integer in [1, 1000000]; got 0');
  expect(usageError('start', '--subset=-1')).toBe('error: --subset must be an integer in [0, 1000000000]; got -1');
  expect(usageError('start', '--threads', '0')).toBe('error: --threads must be an integer in [1, 1000000]; got 0');
  expect(usageError('start', '--threads', 'abc')).toBe('error: --threads must be an integer in [1, 1000000]; got abc');
  expect(usageError('start', 'evaluate')).toContain('error: unknown command "evaluate"');
  expect(usageError('start', 'eval', 'knn', '--epochs', '3')).toBe(
    "error: eval knn does not take --epochs: it evaluates the checkpoint's own setting",
  );
});

it('npm start: a subset larger than the data is refused with the data size', () => {
  const flags = ['--data', dataDir, '--threads', '1'];
  expect(usageError('start', ...flags, '--subset', '161')).toBe('error: --subset 161: the training set has 160 images');
  expect(usageError('start', ...flags, '--subset', '0', '--test-subset', '41')).toBe('error: --test-subset 41: the test set has 40 images');
});

it('--threads above twice the cores uses twice the cores and says so in the backend line', () => {
  const { status, stdout } = run('start', ['--data', dataDir, '--subset', '161', '--threads', '1000']);
  expect(status).toBe(2);
  const cores = availableParallelism();
  expect(stdout).toContain(`${2 * cores} threads (1000 asked for: at most twice the ${cores} cores)`);
});

it('npm run experiment and npm run bench: the same errors, the same exit code', () => {
  expect(usageError('experiment', 'sweep', '--bogus')).toBe('error: unknown flag --bogus (--help lists them)');
  expect(usageError('experiment', 'sweep', '--base', 'batch=-5')).toBe('error: --batch must be an integer in [2, 65536]; got -5');
  expect(usageError('experiment', 'sweep', '--grid', 'lr')).toBe('error: --grid: expected flag=value,value…; got lr');
  expect(usageError('experiment', 'ablation', '--grid', 'lr=0.1')).toBe('error: --grid is for sweep, not ablation');
  expect(usageError('experiment', 'sweep', '--threads', '0')).toBe('error: --threads must be an integer in [1, 1000000]; got 0');
  expect(usageError('bench', '--bogus')).toBe('error: unknown flag --bogus (--help lists them)');
  expect(usageError('bench', 'train', '--reps', '0')).toBe('error: --reps must be an integer in [1, 1000]; got 0');
  expect(usageError('bench', '--only', 'matmul,fft')).toBe('error: --only must be matmul, conv, step; got fft');
  expect(usageError('bench', 'nope')).toContain('error: unknown command "nope"');
});

it('the automatic choice probes for a GPU quietly: only SSLGPU_VERBOSE=1 shows what Dawn said', () => {
  const args = ['--data', dataDir, '--subset', '161', '--threads', '1'];
  const quiet = run('start', args, {});
  expect(quiet.stdout).toMatch(/^sslgpu: (wasm|webgpu) backend \(.*\): /);
  expect(quiet.stderr.trim()).toBe('error: --subset 161: the training set has 160 images'); // no Dawn warnings
  const verbose = run('start', args, { SSLGPU_VERBOSE: '1' });
  expect(verbose.stderr).toMatch(/^sslgpu: hardware adapter probe (found|failed)/);
});
