// `npm run experiment` as a user runs it, for the tests: built once, then run on WebAssembly
// with one thread, on a data directory of the test's.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds dist/scripts/experiment.js (for a beforeAll). */
export function buildExperiment(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'src/experiment.ts'], { cwd: root });
}

/** `npm run experiment -- <args> --data <dataDir>`: its exit status and output. */
export function runExperiment(args: string[], dataDir: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, SSLGPU_BACKEND: 'wasm', SSLGPU_THREADS: '1' };
  const { status, stdout, stderr } = spawnSync(process.execPath, [join(root, 'dist/scripts/experiment.js'), ...args, '--data', dataDir], {
    cwd: root,
    encoding: 'utf8',
    env,
  });
  return { status, stdout, stderr };
}
