// The command line: `train` (the main job, on Fashion-MNIST or a folder of pictures), `eval knn`
// and `eval linear` on a checkpoint, and with a trained encoder `embed`, `search` and `export`.
// Run through `npm start -- [command] [flags]`; `--help` lists every flag with its default.
// Exit statuses: 0 done; 1 an error, 2 a usage error (one line on stderr either way); 3 training
// diverged (the last good checkpoint kept); 130 and 143 stopped by SIGINT (Ctrl-C) and SIGTERM,
// the shells' 128 + the signal's number, after writing a checkpoint that --resume continues.

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRunCheckpoint } from './checkpoint.js';
import { HELP_OPTION, type OptionSpec, optionHelp, readCommandLine, runCommand, THREADS_OPTION, type Values } from './cli/args.js';
import { type CheckpointFile, embed, exportEncoder, picturesFor, queryFor, readCheckpointFile, search } from './cli/encoder-commands.js';
import { folderData, readImageFolder } from './cli/images.js';
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
import type { ImageSet } from './data/images.js';
import type { Backend } from './engine/backend.js';
import { readFileBytes } from './engine/io/node-files.js';
import { OptionError } from './engine/values.js';
import { EMBEDDING_FORMATS, embeddingFormat } from './formats/embeddings.js';
import { describeFormat } from './method/data.js';
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
  images: {
    kind: { text: 'a folder' },
    help:
      'train (or eval, embed, search) on the PNG and JPEG files of a folder instead, all of them unless --subset; ' +
      'subfolders are classes, for evaluation only',
  },
  size: { kind: { integer: [8, 512] }, default: '32', help: 'train --images: the side each picture is resized to (even)' },
  'test-subset': { kind: { integer: [0, 1e9] }, default: '0', help: 'evaluate on the first N test images (0: all 10,000)' },
  out: {
    kind: { text: 'a directory or a file' },
    default: 'runs/latest',
    help: 'train: directory for metrics.jsonl and checkpoint.sslgpu; embed: the file (.npy, .csv, .jsonl); export: a .safetensors file',
  },
  resume: { kind: { switch: true }, help: 'continue from <out>/checkpoint.sslgpu' },
  'on-diverge': {
    kind: { choice: ['stop', 'rollback'] },
    default: 'stop',
    help:
      `when the loss turns NaN or explodes: stop (exit ${EXIT_DIVERGED}) | rollback ` +
      `(to the last good state at half the learning rate, up to ${MAX_ROLLBACKS} times)`,
  },
  checkpoint: {
    kind: { text: 'a file' },
    help: 'eval, embed, search, export: the checkpoint (default <out>/checkpoint.sslgpu; for embed, search, export runs/latest/…)',
  },
  query: { kind: { text: 'an image file' }, help: 'search: the picture whose nearest pictures of --images are listed' },
  k: { kind: { integer: [1, 1e6] }, default: '5', help: 'search: how many nearest pictures' },
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
npm start -- embed --checkpoint FILE --images DIR --out FILE.npy|.csv|.jsonl
npm start -- search --checkpoint FILE --images DIR --query IMAGE [--k 5]
npm start -- export --checkpoint FILE --out FILE.safetensors

${optionHelp(RUN_OPTIONS).join('\n')}

training (the defaults are --preset quick's, npm start's):
${trainFlagHelp().join('\n')}

A wrong flag or value stops with one line and exit code 2; divergence exits with ${EXIT_DIVERGED}, any other failure with 1.`;
}

type Flags = Values<typeof RUN_OPTIONS>;

/**
 * The run the flags describe: the preset, refined by every training flag given. A folder of
 * pictures trains on all of them unless --subset says otherwise (the presets' subsets are
 * Fashion-MNIST's).
 */
function setting(flag: Flags, given: Record<string, string>): RunSetting {
  const trainingFlags = Object.fromEntries(Object.entries(given).filter(([name]) => name in TRAIN_FLAGS));
  const run = resolveSetting(trainingFlags, flag.preset as Recipe);
  return flag.images !== undefined && given.subset === undefined ? { ...run, subset: 0 } : run;
}

/** Refuses flags the command would not read, rather than ignore them. */
function refuseUnused(command: string, names: string[], why: string): void {
  if (names.length > 0) throw new OptionError(`${command} does not take ${names.map((n) => `--${n}`).join(', ')}: ${why}`);
}

const percent = (x: number) => `${(100 * x).toFixed(2)} %`;

/** Trains and reports; returns the backend it ends on (a new one where the device was lost). */
async function train(backend: Backend, run: RunSetting, flag: Flags, pictures?: ImageSet): Promise<Backend> {
  const cfg = run.config;
  const out = flag.out;
  const folder = pictures ? folderData(pictures, flag.images!, run.subset, cfg.seed, backend) : undefined;
  const data = folder?.data ?? loadData(flag.data, run.subset, backend, cfg.seed, flag['test-subset']);
  const evaluated = folder?.labelled ?? true;
  const { train: trainSet, test } = data;
  if (folder) console.log(folder.description);
  console.log(`training (${run.method}) on ${trainSet.count} images, ${cfg.epochs} epochs, batch ${cfg.batch}; ${JSON.stringify(cfg)}`);
  const checkpointPath = join(out, 'checkpoint.sslgpu');
  let baselines = { untrained: NaN, pixels: NaN, pixelsProbe: NaN };
  if (flag.resume) {
    if (!existsSync(checkpointPath)) throw new Error(`--resume: no checkpoint at ${checkpointPath}`);
    baselines = { ...baselines, ...(readRunCheckpoint(readFileBytes(checkpointPath), checkpointPath).meta.baselines as object) };
  } else {
    mkdirSync(out, { recursive: true });
    if (evaluated) {
      const pixels = await pixelBaseline(trainSet, test, true);
      // the network runTraining starts from: the same seed draws the same weights
      const untrained = makeTrainer(run, backend, trainSet, test);
      baselines = { untrained: (await untrained.evaluate({ h: false })).knnV, pixels: pixels.knn, pixelsProbe: pixels.probe };
      untrained.dispose();
      const pixelsLine = `raw pixels: kNN ${percent(baselines.pixels)}, linear probe ${percent(baselines.pixelsProbe)}`;
      console.log(`before training: kNN of the untrained network ${percent(baselines.untrained)}; ${pixelsLine}`);
    }
    appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), event: 'baselines', ...baselines })}\n`);
  }
  const options = { out, resume: flag.resume, probe: true, onDiverge: flag['on-diverge'] as OnDiverge, interruptible: true };
  const extra = { baselines, ...(folder ? { source: 'images' } : {}) };
  const result = await runTraining(run, data, { ...options, evaluate: evaluated, extra });
  if (!evaluated) {
    console.log(`\nno labelled evaluation (${folder!.description.split('; ').at(-1)}); the encoder is in ${checkpointPath}:`);
    console.log('npm start -- embed, search or export use it (--help)');
    return data.backend;
  }
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

async function evaluate(backend: Backend, kind: 'knn' | 'linear', flag: Flags, file: CheckpointFile, pictures?: ImageSet): Promise<void> {
  const { path, bytes } = file;
  const { method = 'ours', config, subset } = readRunCheckpoint(bytes, path);
  const folder = pictures ? folderData(pictures, flag.images!, subset, config.seed, backend, file.format) : undefined;
  if (folder && !folder.labelled) throw new OptionError(`eval ${kind}: ${folder.description}`);
  const { train: trainSet, test } = folder?.data ?? loadData(flag.data, subset, backend, config.seed, flag['test-subset']);
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

/** The commands that use a trained encoder, and the flags each takes (besides --backend and --threads). */
const ENCODER_COMMANDS = {
  embed: ['checkpoint', 'images', 'out'],
  search: ['checkpoint', 'images', 'query', 'k'],
  export: ['checkpoint', 'out'],
} as const;
type EncoderCommand = keyof typeof ENCODER_COMMANDS;

/** A flag a command cannot do without. */
function need(command: string, name: string, what: string): void {
  if (!(name in given)) throw new OptionError(`${command} needs --${name} ${what}`);
}

const { values: flag, positionals, given } = readCommandLine({ ...TRAINING_OPTIONS, ...RUN_OPTIONS });

await runCommand(async () => {
  // every usage error (flags, command, setting, an empty folder) comes out before a backend starts
  if (flag.help) {
    console.log(usage());
    return;
  }
  const [command = 'train', kind, ...extra] = positionals;
  const isEval = command === 'eval' && (kind === 'knn' || kind === 'linear') && extra.length === 0;
  const tool = Object.hasOwn(ENCODER_COMMANDS, command) && positionals.length === 1 ? (command as EncoderCommand) : undefined;
  if (!(command === 'train' && positionals.length <= 1) && !isEval && !tool) {
    const commands = 'train, eval knn, eval linear, embed, search or export';
    throw new OptionError(`unknown command "${positionals.join(' ')}": choose ${commands} (--help lists the flags)`);
  }
  const sizeGiven = 'size' in given;
  if (sizeGiven && flag.size % 2 !== 0) throw new OptionError(`--size must be even (4 pixels pack a word); got ${flag.size}`);
  const folderFlags = flag.images === undefined ? [] : Object.keys(given).filter((name) => name === 'data' || name === 'test-subset');
  refuseUnused(command, folderFlags, '--images gives the pictures');
  let run: RunSetting | undefined;
  let file: CheckpointFile | undefined;
  let pictures: ImageSet | undefined;
  let query: ImageSet | undefined;
  if (tool) {
    const takes: readonly string[] = [...ENCODER_COMMANDS[tool], 'backend', 'threads'];
    const unused = [...Object.keys(given).filter((name) => !takes.includes(name)), ...(flag.resume ? ['resume'] : [])];
    refuseUnused(tool, unused, `it takes ${takes.map((name) => `--${name}`).join(', ')}`);
    if (tool !== 'search') need(tool, 'out', tool === 'embed' ? 'FILE (.npy, .csv or .jsonl)' : 'FILE.safetensors');
    if (tool === 'export' && !flag.out.toLowerCase().endsWith('.safetensors'))
      throw new OptionError(`export writes safetensors: --out must end in .safetensors; got ${flag.out}`);
    if (tool === 'embed' && !embeddingFormat(flag.out))
      throw new OptionError(`embed writes the format --out's extension names: ${EMBEDDING_FORMATS.join(', ')}; got ${flag.out}`);
    if (tool !== 'export') need(tool, 'images', 'DIR (a folder of PNG and JPEG files)');
    if (tool === 'search') need(tool, 'query', 'IMAGE');
    file = readCheckpointFile(flag.checkpoint ?? join(RUN_OPTIONS.out.default, 'checkpoint.sslgpu'));
    if (tool !== 'export') pictures = picturesFor(file, flag.images!);
    if (tool === 'search') query = queryFor(file, flag.query!);
  } else if (isEval) {
    const unused = [
      ...Object.keys(given).filter((name) => name in TRAIN_FLAGS || ['preset', 'on-diverge', 'size', 'query', 'k'].includes(name)),
      ...(flag.resume ? ['resume'] : []),
    ];
    refuseUnused(`eval ${kind}`, unused, "it evaluates the checkpoint's own setting");
    file = readCheckpointFile(flag.checkpoint ?? join(flag.out, 'checkpoint.sslgpu'));
    if (flag.images !== undefined) pictures = picturesFor(file, flag.images);
    else if (readRunCheckpoint(file.bytes, file.path).meta.source === 'images')
      throw new OptionError(`${file.path} was trained on ${describeFormat(file.format)}: evaluate it on its folder, --images DIR`);
  } else {
    const unused = Object.keys(given).filter((name) => name === 'checkpoint' || name === 'query' || name === 'k');
    refuseUnused('train', unused, 'it writes <out>/checkpoint.sslgpu');
    if (sizeGiven && flag.images === undefined)
      throw new OptionError('--size is the side --images pictures are resized to; give --images DIR');
    run = setting(flag, given);
    if (flag.images !== undefined) pictures = readImageFolder(flag.images, flag.size);
    if (pictures && run.method === 'supervised') {
      // one logit a class: the folder's, not Fashion-MNIST's ten
      if (pictures.classes.length < 2) throw new OptionError(`--method supervised needs classes: ${flag.images} has no subfolders`);
      run = { ...run, config: { ...run.config, dim: pictures.classes.length } };
    }
  }
  let backend = await init({ backend: flag.backend as BackendChoice | undefined, threads: flag.threads });
  if (run) backend = await train(backend, run, flag, pictures);
  else if (isEval) await evaluate(backend, kind as 'knn' | 'linear', flag, file!, pictures);
  else if (tool === 'embed') await embed(backend, file!, pictures!, flag.images!, flag.out);
  else if (tool === 'search') await search(backend, file!, pictures!, flag.images!, query!, flag.k);
  else await exportEncoder(backend, file!, flag.out);
  backend.destroy();
});
