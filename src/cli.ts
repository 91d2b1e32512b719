// The command line: `train` (the main job), `eval knn` and `eval linear` on a checkpoint.
// Run through `npm start -- [command] [flags]`; `--help` lists every flag with its default.
// Exit statuses: 0 done; 1 an error, 2 a usage error (one line on stderr either way); 3 training
// diverged (the last good checkpoint kept); 130 and 143 stopped by SIGINT (Ctrl-C) and SIGTERM,
// the shells' 128 + the signal's number, after writing a checkpoint that --resume continues.

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRunCheckpoint } from './checkpoint.js';
import { HELP_OPTION, type OptionSpec, optionHelp, readCommandLine, runCommand, THREADS_OPTION, type Values } from './cli/args.js';
import {
  EXIT_DIVERGED,
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
import { OptionError } from './engine/values.js';
import { neighbours } from './method/knn.js';
import { type BackendChoice, init } from './node.js';
import { RECIPES, type Recipe, type RunSetting, resolveSetting, TRAIN_FLAGS, trainFlagHelp } from './settings.js';

/** The options of the run itself: what the command reads and writes, and where it runs. */
const RUN_OPTIONS = {
  preset: {
    kind: { choice: Object.keys(RECIPES) },
    default: 'quick',
    help: `named setting the other flags refine: ${Object.keys(RECIPES).join(' | ')}`,
  },
  data: { kind: { text: 'a directory' }, default: DEFAULT_DATA_DIR, help: 'directory of the Fashion-MNIST IDX files (gzip or raw)' },
  'test-subset': { kind: { integer: [0, 1e9] }, default: '0', help: 'evaluate on the first N test images (0: all 10,000)' },
  out: { kind: { text: 'a directory' }, default: 'runs/latest', help: 'directory for metrics.jsonl and checkpoint.sslgpu' },
  resume: { kind: { switch: true }, help: 'continue from <out>/checkpoint.sslgpu' },
  'on-diverge': {
    kind: { choice: ['stop', 'rollback'] },
    default: 'stop',
    help:
      `when the loss turns NaN or explodes: stop (exit ${EXIT_DIVERGED}) | rollback ` +
      `(to the last good state at half the learning rate, up to ${MAX_ROLLBACKS} times)`,
  },
  checkpoint: { kind: { text: 'a file' }, help: 'eval: the checkpoint to evaluate (default <out>/checkpoint.sslgpu)' },
  backend: {
    kind: { choice: ['auto', 'webgpu', 'wasm', 'reference'] },
    help: 'auto | webgpu | wasm | reference (default SSLGPU_BACKEND, else auto)',
  },
  threads: THREADS_OPTION,
  help: HELP_OPTION,
} as const satisfies Record<string, OptionSpec>;

/** The training flags without their defaults: a flag not given leaves the preset's value. */
const TRAINING_OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  Object.entries(TRAIN_FLAGS).map(([name, { kind, help }]) => [name, { kind, help }]),
);

function usage(): string {
  return `npm start -- [train | eval knn | eval linear] [flags]

${optionHelp(RUN_OPTIONS).join('\n')}

training (the defaults are --preset quick's, npm start's):
${trainFlagHelp().join('\n')}

A wrong flag or value stops with one line and exit code 2; divergence exits with ${EXIT_DIVERGED}, any other failure with 1.`;
}

type Flags = Values<typeof RUN_OPTIONS>;

/** The run the flags describe: the preset, refined by every training flag given. */
function setting(flag: Flags, given: Record<string, string>): RunSetting {
  const trainingFlags = Object.fromEntries(Object.entries(given).filter(([name]) => name in TRAIN_FLAGS));
  return resolveSetting(trainingFlags, flag.preset as Recipe);
}

/** Refuses flags the command would not read, rather than ignore them. */
function refuseUnused(command: string, names: string[], why: string): void {
  if (names.length > 0) throw new OptionError(`${command} does not take ${names.map((n) => `--${n}`).join(', ')}: ${why}`);
}

const percent = (x: number) => `${(100 * x).toFixed(2)} %`;

/** Trains and reports; returns the backend it ends on (a new one where the device was lost). */
async function train(backend: Backend, run: RunSetting, flag: Flags): Promise<Backend> {
  const cfg = run.config;
  const out = flag.out;
  const data = loadData(flag.data, run.subset, backend, cfg.seed, flag['test-subset']);
  const { train: trainSet, test } = data;
  console.log(`training (${run.method}) on ${trainSet.count} images, ${cfg.epochs} epochs, batch ${cfg.batch}; ${JSON.stringify(cfg)}`);
  const checkpointPath = join(out, 'checkpoint.sslgpu');
  let baselines = { untrained: NaN, pixels: NaN, pixelsProbe: NaN };
  if (flag.resume) {
    if (!existsSync(checkpointPath)) throw new Error(`--resume: no checkpoint at ${checkpointPath}`);
    baselines = { ...baselines, ...(readRunCheckpoint(readFileBytes(checkpointPath), checkpointPath).meta.baselines as object) };
  } else {
    mkdirSync(out, { recursive: true });
    const pixels = await pixelBaseline(trainSet, test, true);
    // the network runTraining starts from: the same seed draws the same weights
    const untrained = makeTrainer(run, backend, trainSet, test);
    baselines = { untrained: (await untrained.evaluate({ h: false })).knnV, pixels: pixels.knn, pixelsProbe: pixels.probe };
    untrained.dispose();
    const pixelsLine = `raw pixels: kNN ${percent(baselines.pixels)}, linear probe ${percent(baselines.pixelsProbe)}`;
    console.log(`before training: kNN of the untrained network ${percent(baselines.untrained)}; ${pixelsLine}`);
    appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), event: 'baselines', ...baselines })}\n`);
  }
  const options = { out, resume: flag.resume, probe: true, onDiverge: flag['on-diverge'] as OnDiverge, interruptible: true };
  const result = await runTraining(run, data, { ...options, extra: { baselines } });
  const bank = `k ${neighbours(trainSet.count)}, bank: the ${trainSet.count} training images`;
  console.log(`\nweighted kNN top-1 on the ${test.count} test images (${bank}), linear probe on h:`);
  console.log(
    [
      `  this run (v)       ${percent(result.knnV)}`,
      `  this run (h)       ${percent(result.knnH)}`,
      `  untrained network  ${percent(baselines.untrained)}`,
      `  raw pixels         ${percent(baselines.pixels)}`,
    ].join('\n'),
  );
  console.log(`  linear probe       ${percent(result.probe)} (raw pixels ${percent(baselines.pixelsProbe)})`);
  return data.backend;
}

async function evaluate(backend: Backend, kind: 'knn' | 'linear', flag: Flags): Promise<void> {
  const path = flag.checkpoint ?? join(flag.out, 'checkpoint.sslgpu');
  const bytes = readFileBytes(path);
  const { method = 'ours', config, subset } = readRunCheckpoint(bytes, path);
  const { train: trainSet, test } = loadData(flag.data, subset, backend, config.seed, flag['test-subset']);
  const run: RunSetting = { method, config, subset, evalEvery: 1 };
  const trainer = makeTrainer(run, backend, trainSet, test);
  trainer.restore(bytes, path);
  if (kind === 'knn') {
    const { knnV, knnH } = await trainer.evaluate();
    console.log(`${path} (epoch ${trainer.epoch}): weighted kNN top-1 on v ${percent(knnV)}, on h ${percent(knnH)}`);
  } else {
    console.log(`${path} (epoch ${trainer.epoch}): linear probe top-1 on h ${percent(await probeTrainer(trainer))}`);
  }
  trainer.dispose();
}

const { values: flag, positionals, given } = readCommandLine({ ...TRAINING_OPTIONS, ...RUN_OPTIONS });

await runCommand(async () => {
  // every usage error (flags, command, setting) comes out before a backend starts
  if (flag.help) {
    console.log(usage());
    return;
  }
  const [command = 'train', kind, ...extra] = positionals;
  const isEval = command === 'eval' && (kind === 'knn' || kind === 'linear') && extra.length === 0;
  if (!(command === 'train' && positionals.length <= 1) && !isEval)
    throw new OptionError(`unknown command "${positionals.join(' ')}": choose train, eval knn or eval linear (--help lists the flags)`);
  let run: RunSetting | undefined;
  if (isEval) {
    const unused = [
      ...Object.keys(given).filter((name) => name in TRAIN_FLAGS || name === 'preset' || name === 'on-diverge'),
      ...(flag.resume ? ['resume'] : []),
    ];
    refuseUnused(`eval ${kind}`, unused, "it evaluates the checkpoint's own setting");
  } else {
    refuseUnused('train', 'checkpoint' in given ? ['checkpoint'] : [], 'it writes <out>/checkpoint.sslgpu');
    run = setting(flag, given);
  }
  let backend = await init({ backend: flag.backend as BackendChoice | undefined, threads: flag.threads });
  if (run) backend = await train(backend, run, flag);
  else await evaluate(backend, kind as 'knn' | 'linear', flag);
  backend.destroy();
});
