// The command line on a folder of colour pictures of different sizes (test/helpers/pictures.ts:
// PNG and JPEG files made here, and Debian's icons where installed): `--images` trains a tiny
// run and evaluates it on a held-out fifth, `embed` writes a row a picture with its name,
// `search` finds the query itself first, a bad file is skipped with a warning naming it, and
// an empty folder, a folder without pictures and a checkpoint of other images are refused in one line.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { pictureFolder } from './helpers/pictures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/scripts/cli.js');
const folder = pictureFolder();
const out = mkdtempSync(join(tmpdir(), 'run-'));
const checkpoint = join(out, 'checkpoint.sslgpu');
const machine = ['--backend', 'wasm', '--threads', '1'];
const tiny = ['--size', '16', '--epochs', '1', '--batch', '8', '--width', '0.25', ...machine];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { status, stdout, stderr };
}

/** The lines of stderr that are errors (warnings aside). */
const errors = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

let trained: ReturnType<typeof run>;

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'src/cli.ts'], { cwd: root });
  trained = run(['--images', folder.dir, ...tiny, '--out', out]);
}, 180_000);

it('trains on the pictures, evaluates on a held-out fifth of each class, and warns of each file it skipped', () => {
  expect(trained.status, trained.stderr).toBe(0);
  for (const bad of folder.bad) expect(trained.stderr).toContain(`warning: skipped ${join(folder.dir, bad)}: `);
  expect(trained.stdout).toContain(`${folder.names.length} pictures of`);
  expect(trained.stdout).toMatch(/3×16×16; \d+ held out for kNN and the linear probe/);
  expect(trained.stdout).toMatch(/this run \(v\)\s+[\d.]+ %/);
  expect(trained.stdout).toMatch(/linear probe\s+[\d.]+ %/);
});

it('embeds every picture with its name, in .npy (names beside), CSV and JSON lines', () => {
  const npy = join(out, 'embeddings.npy');
  const embedded = run(['embed', '--checkpoint', checkpoint, '--images', folder.dir, '--out', npy, ...machine]);
  expect(embedded.status, embedded.stderr).toBe(0);
  expect(readFileSync(join(out, 'embeddings.names.txt'), 'utf8')).toBe(folder.names.map((name) => `${name}\n`).join(''));
  const header = readFileSync(npy).subarray(10, 128).toString('latin1');
  expect(header).toContain(`'shape': (${folder.names.length}, 32)`); // h of fmnist-resnet at width 0.25: 4 × 8
  expect(readFileSync(join(out, 'embeddings.v.npy')).subarray(10, 128).toString('latin1')).toContain(
    `'shape': (${folder.names.length}, 128)`,
  );
  const csv = join(out, 'embeddings.csv');
  expect(run(['embed', '--checkpoint', checkpoint, '--images', folder.dir, '--out', csv, ...machine]).status).toBe(0);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  expect(rows[0]!.split(',')).toHaveLength(1 + 32 + 128);
  expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(folder.names);
  const jsonl = join(out, 'embeddings.jsonl');
  expect(run(['embed', '--checkpoint', checkpoint, '--images', folder.dir, '--out', jsonl, ...machine]).status).toBe(0);
  const records = readFileSync(jsonl, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(records.map((r) => r.name)).toEqual(folder.names);
  expect(Math.hypot(...records[0].v)).toBeCloseTo(1, 5);
  // the same numbers in every format
  expect(rows[1]!.split(',').slice(1, 33).map(Number)).toEqual(records[0].h);
});

it('searches: the query picture itself first, at similarity 1, then its neighbours by cosine of h', () => {
  const query = folder.names.find((name) => name.startsWith('stripes/'))!;
  const found = run([
    'search',
    '--checkpoint',
    checkpoint,
    '--images',
    folder.dir,
    '--query',
    join(folder.dir, query),
    '--k',
    '4',
    ...machine,
  ]);
  expect(found.status, found.stderr).toBe(0);
  const lines = found.stdout.trim().split('\n');
  const rows = lines.slice(lines.findIndex((line) => line.includes('nearest')) + 1);
  expect(rows).toHaveLength(4);
  expect(rows[0]).toMatch(new RegExp(`^\\s+1\\s+1\\.0000\\s+${query}$`));
  const similarities = rows.map((row) => Number(row.trim().split(/\s+/)[1]));
  expect([...similarities].sort((a, b) => b - a)).toEqual(similarities);
});

it('refuses an empty folder, one without pictures and one that is not there, in one line (exit status 2)', () => {
  const empty = mkdtempSync(join(tmpdir(), 'empty-'));
  const refused = run(['--images', empty, ...tiny, '--out', mkdtempSync(join(tmpdir(), 'run-'))]);
  expect([refused.status, refused.stderr.trim()]).toEqual([2, `error: --images ${empty}: is empty`]);
  writeFileSync(join(empty, 'readme.txt'), 'no pictures here');
  const none = run(['--images', empty, ...tiny]);
  expect(none.status).toBe(2);
  expect(errors(none.stderr)).toEqual([`error: --images ${empty}: holds no PNG or JPEG image (1 file skipped)`]);
  expect(none.stderr).toContain(`warning: skipped ${join(empty, 'readme.txt')}: not a PNG or JPEG image`);
  const missing = run(['--images', join(empty, 'nowhere'), ...tiny]);
  expect(errors(missing.stderr)).toEqual([`error: --images ${join(empty, 'nowhere')}: no such folder`]);
  rmSync(empty, { recursive: true });
});

it('evaluates the checkpoint on its folder, and refuses it on other images or at another size', () => {
  const evaluated = run(['eval', 'knn', '--checkpoint', checkpoint, '--images', folder.dir, ...machine]);
  expect(evaluated.status, evaluated.stderr).toBe(0);
  expect(evaluated.stdout).toMatch(/weighted kNN top-1 on v [\d.]+ %/);
  const noFolder = run(['eval', 'knn', '--checkpoint', checkpoint, ...machine]);
  expect([noFolder.status, errors(noFolder.stderr)]).toEqual([
    2,
    [
      expect.stringMatching(
        /^error: .* was trained on 3-channel 16×16 images normalised with mean \[.*\]: evaluate it on its folder, --images DIR$/,
      ),
    ],
  ]);
  const resized = run(['--images', folder.dir, ...tiny, '--size', '24', '--out', out, '--resume']);
  expect(resized.status).toBe(1);
  expect(errors(resized.stderr)).toEqual([
    expect.stringMatching(/was trained on 3-channel 16×16 images .*; this run has 3-channel 24×24 images /),
  ]);
});

it('trains without labels on pictures outside subfolders, and says there is no labelled evaluation', () => {
  const flat = mkdtempSync(join(tmpdir(), 'flat-'));
  for (const name of folder.names.filter((n) => n.startsWith('discs/') || n.startsWith('stripes/')))
    cpSync(join(folder.dir, name), join(flat, name.replace('/', '-')));
  mkdirSync(join(flat, '.hidden'));
  const result = run(['--images', flat, ...tiny, '--out', mkdtempSync(join(tmpdir(), 'run-'))]);
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toContain('no subfolders (classes): no labelled evaluation');
  expect(result.stdout).not.toContain('this run (v)');
});
