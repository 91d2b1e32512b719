// `npm run experiment -- models`: model efficiency (issue 15). Ours, NPID, SimCLR and the
// supervised reference on backbones of a wide range of size (by default MobileNetV2 ×0.5,
// fmnist-resnet ×0.5 and ×1, ResNet-18 ×0.5: 77 thousand to 2.8 million parameters), all at
// one fixed budget (MODELS_BASE: 10,000 images, 3 epochs, 4,096 negatives; `--base` overrides
// it, but not the backbone or the method, which the experiment varies). A table row per
// (backbone, method): weighted kNN on v and h and the linear probe on h after the last epoch
// (evaluated once, at the end), training seconds per epoch, the peak device memory of a
// training epoch, the backbone's parameters and multiply-adds per image (backboneCost); raw
// pixels as the floor. models.md, models.svg (linear probe against parameters, a line per
// method) and results.json in --out, each run's checkpoint in a folder of its own.
// The cheap runs go first (by an estimate from the multiply-adds, refined by the runs done),
// so the table is of use early. Resumable at every level: a finished row is not run again, a
// killed one continues from its last epoch's checkpoint, the table is rewritten after each.
// A run that does not fit the device gets a row that says so (on WebAssembly, whose heap is
// 4 GiB, SimCLR's 256 views a step on mobilenetv2 ×0.5), and each backbone after the first
// trains on a fresh backend, so that what one left in the memory pool does not crowd the next.

import { loadData, pixelBaseline } from '../cli/session.js';
import type { Backend } from '../engine/backend.js';
import { checkValue, OptionError } from '../engine/values.js';
import { type Arch, backboneCost } from '../models/archs.js';
import { median } from '../numbers.js';
import { type FlagValues, type Method, resolveSetting, TRAIN_FLAGS } from '../settings.js';
import { baseWords } from './base.js';
import {
  byMethod,
  METHOD_NAMES,
  markdownTable,
  methodPlot,
  openResults,
  outOfMemoryNotes,
  type PlannedTraining,
  pct,
  planTraining,
  type RowsFile,
  refuseFlags,
  Schedule,
  scoreCells,
  type TrainedRow,
  trainRows,
  UNTIMED_PACE,
} from './rows.js';

/**
 * The models experiment's budget: 30,000 images seen per run (234 steps of 128), a tenth of the
 * quick preset's. On the 2-core machine NPID trains ResNet-18 ×0.5 at about 135 images/s and
 * MobileNetV2 ×0.5 at about 120: at this budget the sixteen rows take about 72 minutes there.
 */
export const MODELS_BASE: FlagValues = { subset: '10000', epochs: '3', negatives: '4096' };

/** A backbone at a width: `--archs arch:width,…`. */
interface Backbone {
  arch: Arch;
  width: number;
}

/** The default backbones: 77 thousand to 2.8 million parameters, 9 to 114 million multiply-adds an image. */
export const MODELS_BACKBONES = 'mobilenetv2:0.5,fmnist-resnet:0.5,fmnist-resnet:1,resnet18:0.5';

interface ModelsRow extends TrainedRow {
  arch: Arch;
  width: number;
  /** The backbone's (backboneCost; the head adds its own). */
  parameters: number;
  macs: number;
  /** The median of the epochs' training seconds (evaluation and ours' calibration excluded). */
  secondsPerEpoch: number;
  /** The most bytes live on the device in a training epoch (EpochRecord.peakBytes). */
  peakBytes: number;
}

interface ModelsFile extends RowsFile<ModelsRow> {
  testImages: number;
}

interface ModelsRun extends PlannedTraining {
  backbone: Backbone;
}

/** `arch:width,…` as backbones, each checked as --arch and --width would be. */
export function parseBackbones(text: string): Backbone[] {
  return text.split(',').map((word) => {
    const [arch, width, extra] = word.trim().split(':');
    if (!arch || !width || extra !== undefined) throw new OptionError(`--archs: expected arch:width,… (fmnist-resnet:0.5); got ${word}`);
    return {
      arch: checkValue('--archs', TRAIN_FLAGS.arch.kind, arch) as Arch,
      width: checkValue('--archs width', TRAIN_FLAGS.width.kind, width) as number,
    };
  });
}

const backboneName = (b: Backbone) => `${b.arch} ×${b.width}`;

export async function models(
  backend: Backend,
  options: {
    data: string;
    out: string;
    base: FlagValues;
    testSubset: number;
    backbones: Backbone[];
    methods: Method[];
    /** Opens a fresh backend like `backend` (for each backbone after the first). */
    open: () => Promise<Backend>;
  },
): Promise<void> {
  const { out, base } = options;
  refuseFlags('models', base, ['arch', 'width', 'method'], 'the experiment varies them (--archs, --methods)');
  const first = resolveSetting(base);
  const data = loadData(options.data, first.subset, backend, first.config.seed, options.testSubset);
  const file = openResults<ModelsFile>(out, base, () => ({ base, testImages: data.test.count, pixels: null, rows: [] }), {
    testImages: data.test.count,
  });
  const costs = new Map(
    options.backbones.map((b) => {
      const { parameters, macs } = backboneCost(b.arch, b.width);
      return [backboneName(b), { parameters, macs }];
    }),
  );
  const images = { train: data.train.count, labelled: data.labelled.count, test: data.test.count };
  // every setting resolved (and so checked) before the first one trains
  const runs: ModelsRun[] = options.backbones.flatMap((backbone) =>
    options.methods.map((method) => {
      const flags = { ...base, arch: backbone.arch, width: String(backbone.width), method };
      const name = backboneName(backbone);
      return { ...planTraining(`${name}, ${METHOD_NAMES[method]}`, name, flags, costs.get(name)!.macs, images), backbone };
    }),
  );
  let last: ModelsRun | undefined;
  await trainRows({
    title: `models: ${data.train.count} images, epochs ${first.config.epochs}, base ${baseWords(base)} → ${out}`,
    out,
    file,
    // the cheap runs first: the table is of use early
    schedule: new Schedule(runs, file.rows, UNTIMED_PACE).cheapestFirst(),
    pixels: () => pixelBaseline(data.train, data.test, true),
    dataFor: async (run) => {
      // a fresh backend for each backbone after the first, and after a run that did not fit:
      // WebAssembly's heap never shrinks, and what one backbone left pooled (all of the heap,
      // after a run that did not fit) would crowd the next one's tensors of other sizes
      const outOfMemory = file.rows.find((r) => r.name === last?.name)?.outOfMemory;
      if (last && (last.backbone !== run.backbone || outOfMemory)) data.moveTo(await options.open());
      last = run;
      return data;
    },
    row: (run, common, epochs) => ({
      ...common,
      ...run.backbone,
      ...costs.get(backboneName(run.backbone))!,
      secondsPerEpoch: median(epochs.map((e) => e.seconds)),
      peakBytes: Math.max(...epochs.map((e) => e.peakBytes ?? NaN)),
    }),
    outputs: () => ({ 'models.md': `${report(file)}\n`, 'models.svg': plot(file) }),
  });
  if (data.backend !== backend) data.backend.destroy(); // one it opened
}

const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(0) : '—');

/** The table (backbones by size, the methods in their order) and its caption. */
function report(file: ModelsFile): string {
  const rows = byMethod(file.rows, (r) => r.parameters);
  const table = markdownTable(
    ['backbone', 'parameters', 'MACs / image', 'method', 'kNN (v)', 'kNN (h)', 'linear probe (h)', 's / epoch', 'peak MiB'],
    [
      ...(file.pixels ? [['raw pixels', '', '', '', pct(file.pixels.knn), '', pct(file.pixels.probe), '', '']] : []),
      ...rows.map((r) => [
        backboneName(r),
        r.parameters.toLocaleString('en-US'),
        `${(r.macs / 1e6).toFixed(1)} M`,
        METHOD_NAMES[r.method],
        ...scoreCells(r, 2, () => [r.secondsPerEpoch.toFixed(1), mib(r.peakBytes)]),
      ]),
    ],
  );
  const setting = resolveSetting(file.base);
  const { epochs, batch } = setting.config;
  const caption =
    `Fashion-MNIST, the first ${setting.subset || 'all'} training images after the seeded shuffle, ` +
    `${epochs} epoch${epochs === 1 ? '' : 's'} of batch ${batch} for every row (base: ${baseWords(file.base)}; ` +
    `each row is \`npm start -- … --arch A --width W --method M --eval-every ${epochs}\`, ` +
    'its command in results.json). Evaluated once, after the last epoch: weighted kNN top-1 (k 200) on v and on h with the ' +
    `training images as the bank, and the linear probe on h, on ${file.testImages} test images. ` +
    "*s / epoch*: the median training seconds of an epoch (evaluation, and ours' calibration pass before the first step, excluded). " +
    "*Peak MiB*: the most bytes live on the device at once in a training epoch: the images, the trainer's weights, velocities and " +
    "memory bank, the steps' activations, gradients and kernel workspaces. *Parameters* and *MACs / image*: the backbone's alone " +
    "(the projection head adds its own), multiply-adds of one 28×28 image's forward pass (backboneCost)." +
    outOfMemoryNotes(rows);
  return `${table}\n\n${caption}`;
}

/** The linear probe against the backbone's parameters (log scale), a line per method. */
function plot(file: ModelsFile): string | undefined {
  const xLabel = 'backbone parameters (linear probe on h, Fashion-MNIST test)';
  return methodPlot(
    file.rows,
    (r) => [r.parameters, r.probe],
    xLabel,
    file.pixels ? { name: 'raw pixels', y: file.pixels.probe } : undefined,
  );
}
