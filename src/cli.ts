// The command line: `train` (the main job), `eval knn` and `eval linear` on a checkpoint.
// Run through `npm start -- [command] [flags]`; `--help` lists every flag with its default.
// Exit statuses: 0 done; 1 an error (one line on stderr); 3 training diverged (the last good
// checkpoint kept); 130 and 143 stopped by SIGINT (Ctrl-C) and SIGTERM, the shells' 128 + the
// signal's number, after writing a checkpoint that --resume continues.

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  EXIT_DIVERGED,
  Interrupted,
  loadData,
  MAX_ROLLBACKS,
  makeTrainer,
  type OnDiverge,
  pixelBaseline,
  probeTrainer,
  runTraining,
} from './cli/session.js';
import { DEFAULT_DATA_DIR } from './data/fashion-mnist.js';
import type { Backend } from './engine/backend.js';
import { readFileBytes } from './engine/io/node-files.js';
import { decodeTensorFile } from './engine/io/tensor-file.js';
import { DivergenceError } from './method/guard.js';
import type { TrainConfig } from './method/train.js';
import { type BackendChoice, init } from './node.js';
import { type Method, RECIPES, type Recipe, type RunSetting, resolveSetting, TRAIN_FLAGS, trainFlagHelp } from './settings.js';

const FLAGS = {
  preset: { type: 'string', default: 'quick', help: `named setting the other flags refine: ${Object.keys(RECIPES).join(' | ')}` },
  ...Object.fromEntries(Object.keys(TRAIN_FLAGS).map((name) => [name, { type: 'string' }])),
  data: { type: 'string', default: DEFAULT_DATA_DIR, help: 'directory of the Fashion-MNIST IDX files (gzip or raw)' },
  'test-subset': { type: 'string', default: '0', help: 'evaluate on the first N test images (0: all 10,000)' },
  out: { type: 'string', default: 'runs/latest', help: 'directory for metrics.jsonl and checkpoint.sslgpu' },
  resume: { type: 'boolean', default: false, help: 'continue from <out>/checkpoint.sslgpu' },
  'on-diverge': {
    type: 'string',
    default: 'stop',
    help:
      `when the loss turns NaN or explodes: stop (exit ${EXIT_DIVERGED}) | rollback ` +
      `(to the last good state at half the learning rate, up to ${MAX_ROLLBACKS} times)`,
  },
  checkpoint: { type: 'string', help: 'eval: the checkpoint to evaluate (default <out>/checkpoint.sslgpu)' },
  backend: { type: 'string', default: 'auto', help: 'auto | webgpu | wasm | reference (or SSLGPU_BACKEND)' },
  threads: { type: 'string', help: 'wasm threads (default: the cores)' },
  help: { type: 'boolean', default: false, help: 'this text' },
} as const;

function usage(): string {
  const other = Object.entries(FLAGS).filter(([name]) => !(name in TRAIN_FLAGS)) as [
    string,
    { help: string; type: string; default?: unknown },
  ][];
  const lines = other.map(
    ([name, f]) => `  --${name.padEnd(11)} ${f.help}${f.default !== undefined && f.type === 'string' ? ` (default ${f.default})` : ''}`,
  );
  return `npm start -- [train | eval knn | eval linear] [flags]\n\n${lines.join('\n')}\n\ntraining (the defaults are --preset quick's, npm start's):\n${trainFlagHelp().join('\n')}`;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: Object.fromEntries(
    Object.entries(FLAGS).map(([k, f]) => [k, { type: f.type, ...('default' in f ? { default: f.default } : {}) }]),
  ) as never,
});
const flag = values as Record<string, string | boolean | undefined>;
if (flag.help) {
  console.log(usage());
  process.exit(0);
}

/** The run the flags describe: the preset, refined by every training flag given. */
function setting(): RunSetting {
  const preset = flag.preset as string;
  if (!(preset in RECIPES)) throw new Error(`--preset must be ${Object.keys(RECIPES).join(' or ')}; got ${preset}`);
  const given = Object.fromEntries(
    Object.keys(TRAIN_FLAGS)
      .filter((name) => flag[name] !== undefined)
      .map((name) => [name, flag[name] as string]),
  );
  return resolveSetting(given, preset as Recipe);
}

const percent = (x: number) => `${(100 * x).toFixed(2)} %`;

function onDiverge(): OnDiverge {
  const value = flag['on-diverge'] as string;
  if (value !== 'stop' && value !== 'rollback') throw new Error(`--on-diverge must be stop or rollback; got ${value}`);
  return value;
}

async function train(backend: Backend): Promise<void> {
  const run = setting();
  const cfg = run.config;
  const out = flag.out as string;
  const options = { out, resume: Boolean(flag.resume), probe: true, onDiverge: onDiverge(), interruptible: true };
  const { train: trainSet, test } = loadData(flag.data as string, run.subset, backend, cfg.seed, Number(flag['test-subset']));
  console.log(`training (${run.method}) on ${trainSet.count} images, ${cfg.epochs} epochs, batch ${cfg.batch}; ${JSON.stringify(cfg)}`);
  const trainer = makeTrainer(run, backend, trainSet, test);
  const checkpointPath = join(out, 'checkpoint.sslgpu');
  let baselines = { untrained: NaN, pixels: NaN, pixelsProbe: NaN };
  if (flag.resume) {
    if (!existsSync(checkpointPath)) throw new Error(`--resume: no checkpoint at ${checkpointPath}`);
    baselines = {
      ...baselines,
      ...(decodeTensorFile(readFileBytes(checkpointPath), checkpointPath).meta as { baselines?: typeof baselines }).baselines,
    };
  } else {
    mkdirSync(out, { recursive: true });
    const pixels = await pixelBaseline(trainSet, test, true);
    baselines = { untrained: (await trainer.evaluate({ h: false })).knnV, pixels: pixels.knn, pixelsProbe: pixels.probe };
    console.log(
      `before training: kNN of the untrained network ${percent(baselines.untrained)}; raw pixels: kNN ${percent(baselines.pixels)}, linear probe ${percent(baselines.pixelsProbe)}`,
    );
    appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), event: 'baselines', ...baselines })}\n`);
  }
  const result = await runTraining(run, trainer, { ...options, extra: { baselines } });
  console.log(
    `\nweighted kNN top-1 on the ${test.count} test images (k 200, bank: the ${trainSet.count} training images), linear probe on h:`,
  );
  console.log(
    `  this run (v)       ${percent(result.knnV)}\n  this run (h)       ${percent(result.knnH)}\n  untrained network  ${percent(baselines.untrained)}\n  raw pixels         ${percent(baselines.pixels)}`,
  );
  console.log(`  linear probe       ${percent(result.probe)} (raw pixels ${percent(baselines.pixelsProbe)})`);
  trainer.dispose();
}

async function evaluate(backend: Backend, kind: string): Promise<void> {
  const path = (flag.checkpoint as string | undefined) ?? join(flag.out as string, 'checkpoint.sslgpu');
  const bytes = readFileBytes(path);
  const meta = decodeTensorFile(bytes, path).meta as { config: TrainConfig; subset: number; method?: Method };
  const { train: trainSet, test } = loadData(flag.data as string, meta.subset, backend, meta.config.seed, Number(flag['test-subset']));
  const run: RunSetting = { method: meta.method ?? 'ours', config: meta.config, subset: meta.subset, evalEvery: 1 };
  const trainer = makeTrainer(run, backend, trainSet, test);
  trainer.restore(bytes, path);
  if (kind === 'knn') {
    const { knnV, knnH } = await trainer.evaluate();
    console.log(`${path} (epoch ${trainer.epoch}): weighted kNN top-1 on v ${percent(knnV)}, on h ${percent(knnH)}`);
  } else if (kind === 'linear') {
    console.log(`${path} (epoch ${trainer.epoch}): linear probe top-1 on h ${percent(await probeTrainer(trainer))}`);
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
  if (error instanceof Interrupted) {
    console.error(`${error.message}; run the same command with --resume to continue`);
    process.exit(128 + constants.signals[error.signal]); // the shells' status for a process a signal ended
  }
  console.error(`error: ${(error as Error).message}`);
  process.exit(error instanceof DivergenceError ? EXIT_DIVERGED : 1);
}
