// The PyTorch peer of the train bench (bench/peers/torch_step.py) must compute our step. On a
// small case it starts from our initial weights, bank, images and augmentation draw (handed over
// in a tensor file), and its augmented batch, loss, v, ∂L/∂v, every parameter's gradient, the
// weights and BatchNorm statistics after SGD, and the updated bank must equal ours on the
// WebAssembly backend, within 1e-4 of each tensor's largest value: with every bank row as a
// negative, with K sampled negatives (our columns handed over), and with NPID's update. Skipped,
// with the reason, where no Python has PyTorch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findTorch, torchScript } from '../bench/torch.js';
import { readTensors } from '../src/engine/io/state.js';
import { decodeTensorFile, encodeTensorFile, type NamedArray } from '../src/engine/io/tensor-file.js';
import { keep } from '../src/engine/scope.js';
import type { Tensor } from '../src/engine/tensor.js';
import { toDevice } from '../src/method/data.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../src/method/train.js';
import { createWasmBackend } from '../src/node.js';
import { bandedSplit } from './helpers/idx.js';

const torch = findTorch();
const missing = 'missing' in torch ? torch.missing : null;
if (missing) console.warn(`skipping the PyTorch peer's test: ${missing}`);

/** Our trainer, keeping what its step makes inside: the augmented batch, v, ∂L/∂v, the softmax columns. */
class Probe extends Trainer {
  seen: { x?: Tensor; v?: Tensor; gradV?: Tensor; columns?: Int32Array } = {};

  constructor(...args: ConstructorParameters<typeof Trainer>) {
    super(...args);
    const step = this.bank.step.bind(this.bank);
    this.bank.step = (v, index, options) => {
      const result = step(v, index, options);
      Object.assign(this.seen, { v: keep(v), gradV: keep(result.gradV), columns: options.columns });
      return result;
    };
  }

  protected override augment(idx: Tensor): Tensor {
    this.seen.x = keep(super.augment(idx));
    return this.seen.x;
  }
}

const backend = await createWasmBackend({ threads: 1 });
const dir = mkdtempSync(join(tmpdir(), 'sslgpu-torch-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  backend.destroy();
});

const N = 24;
const index = Int32Array.from([5, 0, 17, 9, 3, 22, 11, 14]);

/** One step of ours at width 0.25 (8/16/32 channels), head 32, d 16, B 8: what went in, what came out. */
async function ourStep(negatives: number, update: TrainConfig['update'] = 'corrected') {
  const config: TrainConfig = { ...DEFAULTS, width: 0.25, hidden: 32, dim: 16, batch: index.length, negatives, update };
  const trainer = new Probe(config, backend, toDevice(bandedSplit(N, 3), backend), toDevice(bandedSplit(2, 4), backend));
  const named = (prefix: string, map: Map<string, Tensor>) => [...map].map(([name, t]): [string, Tensor] => [prefix + name, t]);
  const inputs = await readTensors([
    ...named('encoder.', trainer.encoder.stateDict()),
    ['bank', trainer.bank.rows],
    ['images', trainer.train.images],
  ]);
  const { key, counter } = trainer.generator;
  const loss = trainer.step(index, 0);
  const { x, v, gradV, columns } = trainer.seen;
  const outputs = await readTensors([
    ['x', x!],
    ['v', v!],
    ['grad.v', gradV!],
    ...trainer.encoder.namedParameters().map(([name, p]): [string, Tensor] => [`grad.${name}`, p.grad!]),
    ...named('after.', trainer.encoder.stateDict()),
    ['bank', trainer.bank.rows],
  ]);
  outputs.push({ name: 'loss', dtype: 'f32', shape: [1], data: Float32Array.of(await loss.item()) });
  inputs.push({ name: 'index', dtype: 'i32', shape: [index.length], data: index });
  if (columns) inputs.push({ name: 'columns', dtype: 'i32', shape: [columns.length], data: columns });
  const { width, hidden, dim, tau, lambda, m, momentum, weightDecay, cropMin } = config;
  const meta = { width, hidden, dim, tau, lambda, m, lr: trainer.optimizer.lr, momentum, weightDecay, cropMin, update, key, counter };
  for (const t of [loss, x!, v!, gradV!]) t.dispose();
  trainer.dispose();
  const name = `${columns ? `K ${negatives} sampled` : 'full bank'}, ${update} update`;
  return { input: encodeTensorFile({ meta: { ...meta, negatives }, tensors: inputs }), ours: outputs, name, sampled: !!columns };
}

/** Largest |ours − theirs| over the largest |theirs| of a tensor. */
function relativeError(ours: NamedArray, theirs: NamedArray): number {
  expect(theirs.shape, ours.name).toEqual(ours.shape);
  let error = 0,
    scale = 0;
  for (let i = 0; i < ours.data.length; i++) {
    error = Math.max(error, Math.abs(ours.data[i]! - theirs.data[i]!));
    scale = Math.max(scale, Math.abs(theirs.data[i]!));
  }
  return scale === 0 ? error : error / scale;
}

it.skipIf(missing !== null)(
  "PyTorch's step from our state: the same augmented batch, loss, gradients, SGD step and bank update (full bank, K sampled, NPID's)",
  async () => {
    const cases = [await ourStep(0), await ourStep(6), await ourStep(0, 'npid')];
    expect(cases.map((c) => c.sampled)).toEqual([false, true, false]);
    const files = cases.flatMap((c, i) => {
      writeFileSync(join(dir, `in-${i}.sgpu`), c.input);
      return [join(dir, `in-${i}.sgpu`), join(dir, `out-${i}.sgpu`)];
    });
    const run = spawnSync((torch as { python: string }).python, [torchScript(), 'check', ...files, '--threads', '1'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr || run.error?.message).toBe(0);
    for (const [i, c] of cases.entries()) {
      const theirs = new Map(decodeTensorFile(new Uint8Array(readFileSync(join(dir, `out-${i}.sgpu`)))).tensors.map((t) => [t.name, t]));
      expect([...theirs.keys()].sort()).toEqual(c.ours.map((t) => t.name).sort());
      // the biases of the Linear layers before the head's BatchNorms get no gradient (BatchNorm
      // takes out any shift): on both sides they hold rounding noise, far below 1e-5
      const zero = (t: NamedArray) => /^grad\.head\.layers\.[03]\.bias$/.test(t.name);
      for (const t of c.ours.filter(zero))
        for (const side of [t, theirs.get(t.name)!]) expect(Math.max(...Array.from(side.data, Math.abs)), t.name).toBeLessThan(1e-5);
      const errors = c.ours.filter((t) => !zero(t)).map((t) => ({ name: t.name, error: relativeError(t, theirs.get(t.name)!) }));
      const worst = errors.reduce((a, b) => (b.error > a.error ? b : a));
      console.log(
        `${c.name}: ${errors.length} tensors, largest error ${worst.error.toExponential(2)} of the largest value (${worst.name})`,
      );
      for (const { name, error } of errors) expect(error, name).toBeLessThan(1e-4);
    }
  },
);
