// The command line: `train` (the main job), `eval knn` and `eval linear` on a checkpoint.
// Run through `npm start -- [command] [flags]`; `--help` lists every flag with its default.

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend } from './backend.js';
import { DEFAULT_DATA_DIR } from './data/node-files.js';
import { loadData, pixelKnn } from './cli/session.js';
import { decodeTensorFile, encodeTensorFile } from './io/tensor-file.js';
import { readFileBytes, writeFileAtomic } from './io/node-files.js';
import { init, type BackendChoice } from './node.js';
import { linearProbe } from './method/linear-probe.js';
import { DEFAULTS, PRESETS, Trainer, type TrainConfig } from './method/train.js';
import { ProgressBar, formatDuration } from './cli/progress.js';

const FLAGS = {
  data: { type: 'string', default: DEFAULT_DATA_DIR, help: 'directory of the Fashion-MNIST IDX files (gzip or raw)' },
  subset: { type: 'string', default: '10000', help: 'train on the first N images after a seeded shuffle (0: all 60,000)' },
  'test-subset': { type: 'string', default: '0', help: 'evaluate on the first N test images (0: all 10,000)' },
  method: { type: 'string', default: 'ours', help: 'preset: ours (calibrate, corrected, λ 20) or npid (random, npid, λ 0)' },
  init: { type: 'string', help: 'bank initialisation: random | calibrate (default: from --method)' },
  update: { type: 'string', help: 'bank update: npid | corrected (default: from --method)' },
  lambda: { type: 'string', help: 'SqrtKL weight λ (default: from --method)' },
  tau: { type: 'string', default: String(DEFAULTS.tau), help: 'temperature τ' },
  m: { type: 'string', default: String(DEFAULTS.m), help: 'memory momentum of the bank update' },
  negatives: { type: 'string', default: '0', help: 'negatives K: the batch rows plus K sampled bank rows (0: every bank row)' },
  cutmix: { type: 'string', default: '0', help: 'CutMix α across the batch (0: off; the reference code uses 0.5)' },
  head: { type: 'string', default: DEFAULTS.head, help: 'projection head: mlp | linear' },
  width: { type: 'string', default: String(DEFAULTS.width), help: 'fmnist-resnet width multiplier (1: 32/64/128 channels)' },
  epochs: { type: 'string', default: String(DEFAULTS.epochs), help: 'epochs' },
  batch: { type: 'string', default: String(DEFAULTS.batch), help: 'batch size' },
  lr: { type: 'string', default: String(DEFAULTS.lr), help: 'SGD learning rate (momentum 0.9, weight decay 5e-4, cosine to 0)' },
  seed: { type: 'string', default: String(DEFAULTS.seed), help: 'seed of the weights, the subset, the order and the augmentations' },
  out: { type: 'string', default: 'runs/latest', help: 'directory for metrics.jsonl and checkpoint.wssl' },
  resume: { type: 'boolean', default: false, help: 'continue from <out>/checkpoint.wssl' },
  checkpoint: { type: 'string', help: 'eval: the checkpoint to evaluate (default <out>/checkpoint.wssl)' },
  backend: { type: 'string', default: 'auto', help: 'auto | webgpu | wasm | reference (or WEBSSL_BACKEND)' },
  threads: { type: 'string', help: 'wasm threads (default: the cores)' },
  help: { type: 'boolean', default: false, help: 'this text' },
} as const;

function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, f]) => `  --${name.padEnd(11)} ${f.help}${'default' in f && f.type === 'string' ? ` (default ${f.default})` : ''}`);
  return `npm start -- [train | eval knn | eval linear] [flags]\n\n${lines.join('\n')}`;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, { type: f.type, ...('default' in f ? { default: f.default } : {}) }])) as never,
});
const flag = values as Record<string, string | boolean | undefined>;
if (flag.help) {
  console.log(usage());
  process.exit(0);
}

function config(): TrainConfig {
  const preset = PRESETS[flag.method as keyof typeof PRESETS];
  if (!preset) throw new Error(`--method must be ours or npid, got ${flag.method}`);
  const number = (name: string) => {
    const value = Number(flag[name]);
    if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${flag[name]}`);
    return value;
  };
  const choice = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = (flag[name] as string | undefined) ?? fallback;
    if (!allowed.includes(value as T)) throw new Error(`--${name} must be ${allowed.join(' or ')}, got ${value}`);
    return value as T;
  };
  return {
    ...DEFAULTS,
    init: choice('init', ['random', 'calibrate'], preset.init),
    update: choice('update', ['npid', 'corrected'], preset.update),
    lambda: flag.lambda === undefined ? preset.lambda : number('lambda'),
    tau: number('tau'), m: number('m'), negatives: number('negatives'), cutmix: number('cutmix'), head: choice('head', ['mlp', 'linear'], DEFAULTS.head), width: number('width'),
    epochs: number('epochs'), batch: number('batch'), lr: number('lr'), seed: number('seed'),
  };
}

const percent = (x: number) => `${(100 * x).toFixed(2)} %`;

async function train(backend: Backend): Promise<void> {
  const cfg = config();
  const out = flag.out as string;
  mkdirSync(out, { recursive: true });
  const checkpointPath = join(out, 'checkpoint.wssl');
  const metricsPath = join(out, 'metrics.jsonl');
  const log = (record: Record<string, unknown>) => appendFileSync(metricsPath, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  const { train: trainSet, test } = loadData(flag.data as string, Number(flag.subset), backend, cfg.seed, Number(flag['test-subset']));
  console.log(`training on ${trainSet.count} images, ${cfg.epochs} epochs, batch ${cfg.batch}; ${JSON.stringify(cfg)}`);
  const trainer = new Trainer(cfg, backend, trainSet, test);
  let baselines = { untrained: NaN, pixels: NaN };
  if (flag.resume) {
    if (!existsSync(checkpointPath)) throw new Error(`--resume: no checkpoint at ${checkpointPath}`);
    const bytes = readFileBytes(checkpointPath);
    const meta = decodeTensorFile(bytes, checkpointPath).meta as { baselines?: typeof baselines; subset: number };
    if (meta.subset !== trainSet.count) throw new Error(`${checkpointPath}: was trained on ${meta.subset} images, this run has --subset ${trainSet.count}`);
    trainer.restore(bytes, checkpointPath);
    baselines = meta.baselines ?? baselines;
    console.log(`resumed from ${checkpointPath} after epoch ${trainer.epoch}`);
  } else {
    baselines = { untrained: (await trainer.evaluate()).knnV, pixels: await pixelKnn(trainSet, test) };
    console.log(`kNN before training: untrained network ${percent(baselines.untrained)}, raw pixels ${percent(baselines.pixels)}`);
    log({ event: 'baselines', ...baselines });
    if (cfg.init === 'calibrate') trainer.calibrate();
  }
  let last = { knnV: NaN, knnH: NaN };
  while (trainer.epoch < cfg.epochs) {
    const bar = new ProgressBar(`epoch ${trainer.epoch + 1}/${cfg.epochs}`, trainer.stepsPerEpoch, 'img');
    let latest = NaN;
    const { loss, seconds } = await trainer.trainEpoch((done, _total, value) => {
      if (value !== null) {
        latest = value;
        log({ event: 'step', epoch: trainer.epoch + 1, step: done, loss: value });
      }
      bar.update(done, Math.min(done * cfg.batch, trainSet.count), { loss: Number.isNaN(latest) ? '—' : latest.toFixed(3) });
    });
    bar.finish();
    last = await trainer.evaluate();
    const record = { event: 'epoch', epoch: trainer.epoch, loss, seconds, imagesPerSecond: trainSet.count / seconds, knnV: last.knnV, knnH: last.knnH };
    log(record);
    console.log(`epoch ${trainer.epoch}: loss ${loss.toFixed(4)}, ${formatDuration(seconds)} (${record.imagesPerSecond.toFixed(0)} img/s), kNN on v ${percent(last.knnV)}, on h ${percent(last.knnH)}`);
    writeFileAtomic(checkpointPath, encodeTensorFile(await trainer.snapshot({ baselines, subset: trainSet.count })));
  }
  console.log(`\nweighted kNN top-1 on the ${test.count} test images (k 200, bank: the ${trainSet.count} training images):`);
  console.log(`  this run (v)       ${percent(last.knnV)}\n  this run (h)       ${percent(last.knnH)}\n  untrained network  ${percent(baselines.untrained)}\n  raw pixels         ${percent(baselines.pixels)}`);
  trainer.dispose();
}

async function evaluate(backend: Backend, kind: string): Promise<void> {
  const path = (flag.checkpoint as string | undefined) ?? join(flag.out as string, 'checkpoint.wssl');
  const bytes = readFileBytes(path);
  const meta = decodeTensorFile(bytes, path).meta as { config: TrainConfig; subset: number };
  const { train: trainSet, test } = loadData(flag.data as string, meta.subset, backend, meta.config.seed, Number(flag['test-subset']));
  const trainer = new Trainer(meta.config, backend, trainSet, test);
  trainer.restore(bytes, path);
  if (kind === 'knn') {
    const { knnV, knnH } = await trainer.evaluate();
    console.log(`${path} (epoch ${trainer.epoch}): weighted kNN top-1 on v ${percent(knnV)}, on h ${percent(knnH)}`);
  } else if (kind === 'linear') {
    const a = trainer.embed(trainSet), b = trainer.embed(test);
    const accuracy = await linearProbe(a.h, trainSet.labels, b.h, test.labels);
    console.log(`${path} (epoch ${trainer.epoch}): linear probe top-1 on h ${percent(accuracy)}`);
    for (const t of [a.v, a.h, b.v, b.h]) t.dispose();
  } else {
    throw new Error(`eval: choose knn or linear, got ${kind}`);
  }
  trainer.dispose();
}

try {
  const [command = 'train', kind = ''] = positionals;
  const backend = await init({ backend: flag.backend as BackendChoice, threads: flag.threads ? Number(flag.threads) : undefined });
  if (command === 'train') await train(backend);
  else if (command === 'eval') await evaluate(backend, kind);
  else throw new Error(`unknown command ${command}\n\n${usage()}`);
  backend.destroy();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
}
