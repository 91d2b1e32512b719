// The exported encoder in PyTorch: `export` writes safetensors that python/sslgpu_torch.py loads
// into the equivalent module, which gives the embeddings `embed` wrote within 1e-4 (h relative
// to its size where that exceeds 1: resnet18's reaches the hundreds), for each
// backbone, on the very inputs sslgpu fed its encoder; and the README's snippet, which
// preprocesses the PNG pictures in Python, does too. Skipped, with the reason, where python3
// cannot import torch and numpy (Debian's python3-torch brings both).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointFormat, readRunCheckpoint } from '../src/checkpoint.js';
import { loadImageFolder } from '../src/data/image-files.js';
import { encodeNpy } from '../src/formats/npy.js';
import { toDevice } from '../src/method/data.js';
import { plainImages } from '../src/method/embedding.js';
import { createWasmBackend } from '../src/node.js';
import { pictureFolder } from './helpers/pictures.js';
import { missingPython, runPython } from './helpers/python.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/scripts/cli.js');
const missing = missingPython(['torch', 'numpy'], 'python3-torch', 'the PyTorch checks');

const machine = ['--backend', 'wasm', '--threads', '1'];
const folder = pictureFolder();

function cliRun(args: string[]): void {
  const { status, stderr } = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  if (status !== 0) throw new Error(`npm start -- ${args.join(' ')}: exit ${status}\n${stderr}`);
}

/** A script run with python/ on its path. */
const withModule = (script: string, cwd: string) => runPython(script, cwd, { PYTHONPATH: join(root, 'python') });

const runs = new Map<string, string>();

/** A tiny run of `arch` on the pictures, its encoder exported and the pictures embedded, in a fresh folder (once an arch). */
function trainExportEmbed(arch: string, width: string): string {
  if (runs.has(arch)) return runs.get(arch)!;
  const dir = mkdtempSync(join(tmpdir(), `torch-${arch}-`));
  runs.set(arch, dir);
  const checkpoint = join(dir, 'checkpoint.sslgpu');
  cliRun([
    '--images',
    folder.dir,
    '--size',
    '16',
    '--epochs',
    '1',
    '--batch',
    '8',
    '--arch',
    arch,
    '--width',
    width,
    '--out',
    dir,
    ...machine,
  ]);
  cliRun(['export', '--checkpoint', checkpoint, '--out', join(dir, 'encoder.safetensors'), ...machine]);
  cliRun(['embed', '--checkpoint', checkpoint, '--images', folder.dir, '--out', join(dir, 'embeddings.npy'), ...machine]);
  return dir;
}

/** The normalised pictures sslgpu feeds the encoder of the run in `dir`, as inputs.npy there. */
async function writeInputs(dir: string): Promise<void> {
  const path = join(dir, 'checkpoint.sslgpu');
  const format = checkpointFormat(readRunCheckpoint(new Uint8Array(readFileSync(path)), path), path);
  const backend = await createWasmBackend({ threads: 1 });
  const set = toDevice(
    loadImageFolder(folder.dir, { size: format.height, channels: format.channels as 1 | 3 }),
    backend,
    undefined,
    format,
  );
  const x = plainImages(set, 0, set.count);
  writeFileSync(join(dir, 'inputs.npy'), encodeNpy(Float32Array.from(await x.data()), x.shape));
  backend.destroy();
}

/** The README's Python block (under "Your own images"), run as it is written. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## Your own images[\s\S]*?```python\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```python block under "## Your own images"');
  return block;
}

describe.skipIf(missing !== null)('the exported encoder in PyTorch', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'src/cli.ts'], { cwd: root });
  }, 120_000);

  it.each([
    ['fmnist-resnet', '0.25'],
    ['resnet18', '0.125'],
    ['mobilenetv2', '0.25'],
  ])(
    '%s: the same h and v within 1e-4, BatchNorm on its running statistics',
    async (arch, width) => {
      const dir = trainExportEmbed(arch, width);
      await writeInputs(dir);
      const script = `
import json, numpy as np, torch
from sslgpu_torch import load_encoder
model, meta = load_encoder('encoder.safetensors')
with torch.no_grad():
    h, v = model(torch.from_numpy(np.load('inputs.npy')))
H = np.load('embeddings.npy')  # h is not normalised: within 1e-4 of its size where that exceeds 1
print(json.dumps({'h': float((abs(h.numpy() - H) / np.maximum(1, abs(H))).max()),
                  'v': float(abs(v.numpy() - np.load('embeddings.v.npy')).max()),
                  'rows': h.shape[0], 'arch': meta['arch']}))`;
      const result = JSON.parse(withModule(script, dir));
      expect(result).toEqual({ h: expect.any(Number), v: expect.any(Number), rows: folder.names.length, arch });
      expect(result.h).toBeLessThan(1e-4);
      expect(result.v).toBeLessThan(1e-4);
    },
    120_000,
  );

  it("the README's snippet: PNG pictures preprocessed in Python give the embeddings within 1e-4", () => {
    const dir = trainExportEmbed('fmnist-resnet', '0.25');
    cpSync(folder.dir, join(dir, 'pictures'), { recursive: true });
    const printed = withModule(readmeSnippet(), dir).trim().split(/\s+/).map(Number);
    expect(printed).toHaveLength(2);
    for (const difference of printed) expect(difference).toBeLessThan(1e-4);
  }, 120_000);
});
