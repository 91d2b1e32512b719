// The training flags, declared once: `npm start`, the experiments' grids and the presets all
// name a setting by these flags and parse it here, so a knob is spelled the same everywhere
// (`--crop-min 0.5` on the command line, `crop-min=0.5` in a sweep grid). A flag that sets a
// field of the training configuration takes that field's range (src/method/config.ts), which
// the trainers check too.

import { checkValue, type Kind, OptionError } from './engine/values.js';
import { TRAIN_RANGES } from './method/config.js';
import { SIMCLR_DEFAULTS } from './method/simclr.js';
import { DEFAULTS, PRESETS, type TrainConfig } from './method/train.js';

export type Method = 'ours' | 'npid' | 'simclr' | 'supervised';
const METHODS: readonly Method[] = ['ours', 'npid', 'simclr', 'supervised'];

/** What one training run is: the method, its configuration, and the data it sees. */
export interface RunSetting {
  method: Method;
  config: TrainConfig;
  /** Training images: the first N after the seeded shuffle (0: all). */
  subset: number;
  /** Evaluate (kNN) after every N-th epoch and after the last. */
  evalEvery: number;
}

interface FlagSpec {
  help: string;
  kind: Kind;
  /** The default before the method's and the preset's (undefined: from the method). */
  default?: string;
}

/** Every flag that changes what a run trains: its help, its range and its default. */
export const TRAIN_FLAGS = {
  method: {
    help:
      'ours (calibrate, corrected, λ 20), npid (random, npid, λ 0), simclr (two views, NT-Xent at τ 0.5) ' +
      'or supervised (labels: the ceiling)',
    kind: { choice: METHODS },
    default: 'ours',
  },
  subset: { help: 'train on the first N images after a seeded shuffle (0: all)', kind: { integer: [0, 1e9] }, default: '10000' },
  init: { help: 'bank initialisation: random | calibrate (default: from --method)', kind: TRAIN_RANGES.init },
  update: { help: 'bank update: npid | corrected (default: from --method)', kind: TRAIN_RANGES.update },
  lambda: { help: 'SqrtKL weight λ (default: from --method)', kind: TRAIN_RANGES.lambda },
  tau: { help: `temperature τ (default ${DEFAULTS.tau}; simclr ${SIMCLR_DEFAULTS.tau})`, kind: TRAIN_RANGES.tau },
  m: { help: 'memory momentum of the bank update', kind: TRAIN_RANGES.m, default: String(DEFAULTS.m) },
  negatives: {
    help: 'negatives K: the batch rows plus K sampled bank rows (0, or K no fewer than the other rows: every row)',
    kind: TRAIN_RANGES.negatives,
    default: String(DEFAULTS.negatives),
  },
  cutmix: { help: 'CutMix α across the batch (0: off)', kind: TRAIN_RANGES.cutmix, default: String(DEFAULTS.cutmix) },
  'crop-min': {
    help: 'smallest random-resized-crop area, a fraction of the image',
    kind: TRAIN_RANGES.cropMin,
    default: String(DEFAULTS.cropMin),
  },
  rotate: { help: 'largest random rotation, degrees either way (0: none)', kind: TRAIN_RANGES.rotate, default: String(DEFAULTS.rotate) },
  translate: {
    help: 'largest random shift, a fraction of the side (0: none)',
    kind: TRAIN_RANGES.translate,
    default: String(DEFAULTS.translate),
  },
  erase: { help: 'probability of random erasing (0: never)', kind: TRAIN_RANGES.erase, default: String(DEFAULTS.erase) },
  jitter: {
    help: "colour images: SimCLR's colour-jitter strength s, with probability 0.8 (brightness, contrast, saturation 0.8s, hue 0.2s)",
    kind: TRAIN_RANGES.jitter,
    default: String(DEFAULTS.jitter),
  },
  grayscale: {
    help: 'colour images: probability of random grayscale',
    kind: TRAIN_RANGES.grayscale,
    default: String(DEFAULTS.grayscale),
  },
  head: {
    help: `projection head: mlp | mlp2 | linear (default ${DEFAULTS.head}; simclr ${SIMCLR_DEFAULTS.head})`,
    kind: TRAIN_RANGES.head,
  },
  hidden: { help: 'hidden width of the MLP head', kind: TRAIN_RANGES.hidden, default: String(DEFAULTS.hidden) },
  arch: {
    help: 'backbone: fmnist-resnet | resnet18 | mobilenetv2 (README, "Backbones")',
    kind: TRAIN_RANGES.arch,
    default: DEFAULTS.arch,
  },
  width: {
    help: 'backbone width multiplier (1: fmnist-resnet 32/64/128 channels, resnet18 64–512, mobilenetv2 32–320)',
    kind: TRAIN_RANGES.width,
    default: String(DEFAULTS.width),
  },
  epochs: { help: 'epochs', kind: TRAIN_RANGES.epochs, default: String(DEFAULTS.epochs) },
  batch: { help: 'batch size', kind: TRAIN_RANGES.batch, default: String(DEFAULTS.batch) },
  lr: {
    help: 'SGD learning rate (momentum 0.9, weight decay 5e-4, cosine to 0)',
    kind: TRAIN_RANGES.lr,
    default: String(DEFAULTS.lr),
  },
  warmup: { help: 'epochs of linear learning-rate warm-up', kind: TRAIN_RANGES.warmup, default: String(DEFAULTS.warmup) },
  seed: {
    help: 'seed of the weights, the subset, the order and the augmentations',
    kind: TRAIN_RANGES.seed,
    default: String(DEFAULTS.seed),
  },
  'eval-every': { help: 'kNN after every N-th epoch (and the last)', kind: { integer: [1, 1e6] }, default: '1' },
} as const satisfies Record<string, FlagSpec>;

export type TrainFlag = keyof typeof TRAIN_FLAGS;
/** A setting as flag values, the way a user writes it. */
export type FlagValues = Partial<Record<TrainFlag, string>>;

/**
 * Named settings on top of the method's DEFAULTS (whose batch, lr, warm-up and crop are the
 * recipe search's winners). `quick` is `npm start`'s default: about seven minutes on two cores,
 * 300,000 images seen; `full` the full-data recipe. Flags given on top override a preset.
 */
export const RECIPES = {
  quick: { subset: '20000', negatives: '4096', 'eval-every': '5' },
  full: {
    subset: '0',
    epochs: '30',
    negatives: '10000', // the authors' K
    'eval-every': '5',
    width: '1', // twice the channels: +4.1 points of linear probe at three times the cost (h has 128 dimensions, not 64)
  },
} as const satisfies Record<string, FlagValues>;
export type Recipe = keyof typeof RECIPES;

/** One flag's value, checked against its kind; the error names the flag. */
export function parseFlag(name: TrainFlag, value: string): number | string {
  return checkValue(`--${name}`, TRAIN_FLAGS[name].kind, value);
}

/** The run a recipe and flag values describe: defaults, then the method's, the recipe's, the flags'. */
export function resolveSetting(flags: FlagValues, recipe: Recipe = 'quick'): RunSetting {
  const given: FlagValues = { ...RECIPES[recipe], ...flags };
  const get = (name: TrainFlag) => given[name] ?? (TRAIN_FLAGS[name] as FlagSpec).default;
  const num = (name: TrainFlag) => parseFlag(name, get(name)!) as number;
  const method = parseFlag('method', get('method')!) as Method;
  const preset = method === 'ours' || method === 'npid' ? PRESETS[method] : PRESETS.npid;
  const own = method === 'simclr' ? SIMCLR_DEFAULTS : DEFAULTS;
  const choice = <T extends string>(name: TrainFlag, fallback: T) =>
    given[name] === undefined ? fallback : (parseFlag(name, given[name]!) as T);
  const config: TrainConfig = {
    ...DEFAULTS,
    init: choice('init', preset.init),
    update: choice('update', preset.update),
    lambda: given.lambda === undefined ? preset.lambda : num('lambda'),
    tau: given.tau === undefined ? own.tau : num('tau'),
    m: num('m'),
    negatives: num('negatives'),
    cutmix: num('cutmix'),
    cropMin: num('crop-min'),
    rotate: num('rotate'),
    translate: num('translate'),
    erase: num('erase'),
    jitter: num('jitter'),
    grayscale: num('grayscale'),
    head: choice('head', own.head),
    hidden: num('hidden'),
    arch: choice('arch', DEFAULTS.arch),
    width: num('width'),
    epochs: num('epochs'),
    batch: num('batch'),
    lr: num('lr'),
    warmup: num('warmup'),
    seed: num('seed'),
  };
  if (method === 'supervised') {
    if (given.head !== undefined && given.head !== 'linear')
      throw new OptionError(`--method supervised: its head is the linear classifier; got --head ${given.head}`);
    Object.assign(config, { head: 'linear', dim: 10, lambda: 0 });
  }
  return { method, config, subset: num('subset'), evalEvery: num('eval-every') };
}

/** `name=value` words (a sweep grid's or a variant's) as flag values; unknown names are refused. */
export function parseAssignments(words: string[], source: string): FlagValues {
  const values: FlagValues = {};
  for (const word of words) {
    const match = /^([a-z-]+)=(.+)$/.exec(word);
    // own keys only: `constructor=…` must not find Object's
    if (!match || !Object.hasOwn(TRAIN_FLAGS, match[1]!))
      throw new OptionError(`${source}: expected flag=value with a training flag (${Object.keys(TRAIN_FLAGS).join(', ')}); got ${word}`);
    parseFlag(match[1] as TrainFlag, match[2]!);
    values[match[1] as TrainFlag] = match[2]!;
  }
  return values;
}

/** A usage line: the flag, its help and its default (padded so that the helps line up). */
export function helpLine(name: string, help: string, value?: string): string {
  return `  --${name.padEnd(11)} ${help}${value === undefined ? '' : ` (default ${value})`}`;
}

/** The usage lines of the training flags, with the quick preset's defaults, then what each other preset changes. */
export function trainFlagHelp(): string[] {
  const quick: FlagValues = RECIPES.quick;
  const lines = Object.entries(TRAIN_FLAGS).map(([name, f]: [string, FlagSpec]) =>
    helpLine(name, f.help, quick[name as TrainFlag] ?? f.default),
  );
  const others = Object.entries(RECIPES)
    .filter(([name]) => name !== 'quick')
    .map(
      ([name, values]) =>
        `  --preset ${name}: ${Object.entries(values)
          .map(([k, v]) => `--${k} ${v}`)
          .join(' ')}`,
    );
  return [...lines, '', ...others];
}
