// The command line on real colour photographs (test/helpers/photographs.ts: Debian's twelve
// nature photographs at their camera sizes, each with four pieces cut from it, JPEG and PNG):
// `--images` trains and tells held-out pieces' photographs apart far better than chance,
// `embed` writes a row a picture, and `search` finds the query first, then a piece of its own
// photograph. Skipped, with the reason, where the mate-backgrounds package is not installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { photographFolder, photographsMissing } from './helpers/photographs.js';
import type { PictureFolder } from './helpers/pictures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/scripts/cli.js');
const missing = photographsMissing();
if (missing) console.warn(`skipping the photographs: ${missing}`);
const out = mkdtempSync(join(tmpdir(), 'run-'));
const checkpoint = join(out, 'checkpoint.sslgpu');
const machine = ['--backend', 'wasm', '--threads', '1'];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { status, stdout, stderr };
}

let folder: PictureFolder;
let trained: ReturnType<typeof run>;

beforeAll(() => {
  if (missing) return;
  execFileSync(process.execPath, ['scripts/build.mjs', 'src/cli.ts'], { cwd: root });
  folder = photographFolder();
  trained = run(['--images', folder.dir, '--size', '32', '--epochs', '8', '--batch', '16', '--width', '0.5', '--out', out, ...machine]);
}, 300_000);

it.skipIf(missing !== null)('trains on the photographs and tells held-out pieces apart far better than chance (1 in 12)', () => {
  expect(trained.status, trained.stderr).toBe(0);
  expect(trained.stdout).toContain('60 pictures of 12 classes (subfolders), 3×32×32; 12 held out for kNN and the linear probe');
  const accuracy = (space: string) => Number(new RegExp(`this run \\(${space}\\)\\s+([\\d.]+) %`).exec(trained.stdout)?.[1]);
  expect(accuracy('h'), trained.stdout).toBeGreaterThanOrEqual(75); // 100 % measured, raw pixels 91.67 %
  expect(accuracy('v'), trained.stdout).toBeGreaterThanOrEqual(50); // 75 % measured
});

it.skipIf(missing !== null)('embeds every photograph and piece with its name', () => {
  const npy = join(out, 'embeddings.npy');
  const embedded = run(['embed', '--checkpoint', checkpoint, '--images', folder.dir, '--out', npy, ...machine]);
  expect(embedded.status, embedded.stderr).toBe(0);
  expect(readFileSync(join(out, 'embeddings.names.txt'), 'utf8')).toBe(folder.names.map((name) => `${name}\n`).join(''));
  expect(readFileSync(npy).subarray(10, 128).toString('latin1')).toContain(`'shape': (60, 64)`); // h at width 0.5: 4 × 16
});

it.skipIf(missing !== null)('searches: a whole photograph finds itself first, then a piece of it', () => {
  const query = 'YellowFlower/photo.jpg';
  const args = ['--checkpoint', checkpoint, '--images', folder.dir, '--query', join(folder.dir, query), '--k', '5'];
  const found = run(['search', ...args, ...machine]);
  expect(found.status, found.stderr).toBe(0);
  const lines = found.stdout.trim().split('\n');
  const rows = lines.slice(lines.findIndex((line) => line.includes('nearest')) + 1).map((row) => row.trim().split(/\s+/));
  expect(rows.map((row) => row[0])).toEqual(['1', '2', '3', '4', '5']);
  expect(rows[0]).toEqual(['1', '1.0000', query]);
  expect(rows[1]![2], found.stdout).toMatch(/^YellowFlower\/piece-\d\.(jpg|png)$/); // 4 of the 59 others are
});
