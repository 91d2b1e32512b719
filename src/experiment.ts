// `npm run experiment -- <name>`: the experiments behind the README's tables and plots, each
// resumable (run it again after a kill and it continues), each a module of src/experiments/.
//   ablation   NPID, each component of the method alone, the full method (docs/method.md §6)
//   overhead   ours, NPID and the dual-branch SimCLR: time, memory, kNN at equal wall-clock
//   sweep      the recipe search: a row per setting, every setting kept
//   race       ours, NPID, SimCLR and supervised at full data: kNN against training seconds
//   models     ours, NPID, SimCLR and supervised on four backbones at one budget (model efficiency)
//   data       ours, NPID, SimCLR and supervised pre-trained on 1,000 to 60,000 images at the
//              same number of steps, evaluated alike (data efficiency)
//   labels     label efficiency: probe, fine-tune and from scratch on 1 %, 10 %, 100 % of the labels
//   transfer   frozen Fashion-MNIST features on MNIST digits, against raw pixels and a random network
// A setting is written with the training flags of `npm start` (`--base "flag=value …"`).

import { HELP_OPTION, type OptionSpec, optionHelp, readCommandLine, runCommand, THREADS_OPTION } from './cli/args.js';
import { DEFAULT_DATA_DIR } from './data/fashion-mnist.js';
import { OptionError } from './engine/values.js';
import { ABLATION, ablation, mergeReports } from './experiments/ablation.js';
import { baseWords } from './experiments/base.js';
import { DATA_BASE, DATA_SIZES, data, parseSizes } from './experiments/data.js';
import { DEFAULT_STEPS, labels } from './experiments/labels.js';
import { MODELS_BACKBONES, MODELS_BASE, models, parseBackbones } from './experiments/models.js';
import { overhead } from './experiments/overhead.js';
import { DEFAULT_PRETRAINED_DIR } from './experiments/pretrained.js';
import { race } from './experiments/race.js';
import { METHOD_NAMES } from './experiments/rows.js';
import { gridSettings, SCREEN, SWEEP_BASE, sweep } from './experiments/sweep.js';
import { transfer } from './experiments/transfer.js';
import { init } from './node.js';
import { type FlagValues, type Method, parseAssignments } from './settings.js';

const EXPERIMENTS = ['ablation', 'report', 'overhead', 'sweep', 'race', 'models', 'data', 'labels', 'transfer'];

/** The base of an experiment run without --base (npm start's where none is listed). */
const DEFAULT_BASES: Record<string, FlagValues> = { sweep: SWEEP_BASE, models: MODELS_BASE, data: DATA_BASE };

const OPTIONS = {
  base: { kind: { text: 'flag=value words' }, help: 'the setting: training flags of npm start as "flag=value …"' },
  grid: { kind: { text: 'flag=value,value words' }, help: 'sweep: every combination of "flag=a,b flag=c,d"' },
  variants: { kind: { list: Object.keys(SCREEN) }, help: 'sweep: some of the variants, comma-separated' },
  only: { kind: { list: ABLATION.map((r) => r.name) }, help: 'ablation: some of the runs, comma-separated' },
  archs: { kind: { text: 'arch:width,…' }, help: `models: the backbones (default ${MODELS_BACKBONES})` },
  sizes: { kind: { text: 'N,N,…' }, help: `data: the pre-training set sizes (default ${DATA_SIZES})` },
  methods: { kind: { list: Object.keys(METHOD_NAMES) }, help: 'models, data: some of the methods (default: all four)' },
  pretrained: {
    kind: { text: 'a directory' },
    help: `labels, transfer: the pre-trained networks, shared (default ${DEFAULT_PRETRAINED_DIR})`,
  },
  steps: { kind: { integer: [1, 1e7] }, help: `labels: optimizer steps of each fine-tune and from-scratch run (default ${DEFAULT_STEPS})` },
  digits: { kind: { text: 'a directory' }, help: "transfer: the digits' <d>.json files (default the mnist package's)" },
  out: { kind: { text: 'a directory' }, help: 'where the results go (default runs/<experiment>)' },
  data: { kind: { text: 'a directory' }, default: DEFAULT_DATA_DIR, help: 'directory of the Fashion-MNIST IDX files' },
  'test-subset': { kind: { integer: [0, 1e9] }, default: '0', help: 'evaluate on the first N test images (0: all)' },
  threads: THREADS_OPTION,
  help: HELP_OPTION,
} as const satisfies Record<string, OptionSpec>;

/** Options that some experiments read: given to another, they are refused rather than ignored. */
const ONLY_FOR = {
  grid: ['sweep'],
  variants: ['sweep'],
  only: ['ablation'],
  methods: ['models', 'data'],
  archs: ['models'],
  sizes: ['data'],
  pretrained: ['labels', 'transfer'],
  steps: ['labels'],
  digits: ['transfer'],
} as const;

const USAGE = `npm run experiment -- <experiment> [--base "flag=value …"] [--out DIR] [--threads N] [--data DIR] [--test-subset N]

  ablation [--only name,name]    ${ABLATION.map((r) => r.name).join('; ')} (default base: npm start's)
  report DIR… [--out DIR]        merges the results.json of ablations run apart (--only, or --base "seed=N": a row's seeds pooled)
  overhead                       ours, NPID and SimCLR epoch by epoch in turn (default base: npm start's)
  sweep [--grid "flag=a,b flag=c,d" | --variants name,name]
                                 the recipe search (default base: ${Object.entries(SWEEP_BASE)
                                   .map(([k, v]) => `${k}=${v}`)
                                   .join(' ')});
                                 without --grid the variants are: ${Object.keys(SCREEN).join('; ')}
  race                           ours, NPID, SimCLR and supervised at --preset full, kNN against time
  models [--archs arch:width,…] [--methods m,m]
                                 ours, NPID, SimCLR and supervised on each backbone at one budget
                                 (default base: ${baseWords(MODELS_BASE)}; evaluated once, at the end):
                                 kNN, linear probe, s / epoch, peak memory, parameters, MACs / image
  data [--sizes N,N,…] [--methods m,m]
                                 ours, NPID, SimCLR and supervised pre-trained on N images, the same
                                 number of steps for every N: the base's epochs and warm-up count
                                 epochs of the whole training split, each N gets epochs × 60,000 / N
                                 (default base: ${baseWords(DATA_BASE)}: 960 steps of 125 images,
                                 120,000 images seen, 96 warm-up steps; the batch must divide every N);
                                 every row evaluated alike: kNN bank and probe training set are all
                                 60,000 training images, on the whole test set
  labels [--steps N] [--pretrained DIR]
                                 ours', NPID's and SimCLR's pre-trained networks with 1 %, 10 % and 100 % of
                                 the base's training labels (class-balanced, the base's seed): the linear
                                 probe on frozen h and a fine-tune of the whole network, against the network
                                 from scratch; fine-tune and scratch take --steps steps each (default ${DEFAULT_STEPS},
                                 rounded up to whole epochs) at the base's learning rate (default base: npm start's)
  transfer [--pretrained DIR] [--digits DIR]
                                 ours', NPID's, SimCLR's and the supervised network's frozen features on the
                                 mnist package's digits (8,000 train, 2,000 test; --test-subset cuts both test
                                 sets), against raw pixels and a random network: kNN on v and h, the linear
                                 probe (default base: npm start's)
  labels and transfer pre-train their networks once, in --pretrained (default ${DEFAULT_PRETRAINED_DIR}), at the base.

${optionHelp(OPTIONS).join('\n')}

--base takes the training flags of npm start (npm start -- --help) as name=value words.
A wrong flag or value stops with one line and exit code 2; any other failure exits with 1.`;

const { values, positionals } = readCommandLine(OPTIONS);

await runCommand(async () => {
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (!EXPERIMENTS.includes(command)) throw new OptionError(`no experiment ${command}: choose ${EXPERIMENTS.join(', ')} (--help)`);
  if (command !== 'report' && rest.length > 0) throw new OptionError(`${command} takes no words after it; got ${rest.join(' ')}`);
  for (const [name, owners] of Object.entries(ONLY_FOR) as [keyof typeof ONLY_FOR, readonly string[]][])
    if (values[name] !== undefined && !owners.includes(command))
      throw new OptionError(`--${name} is for ${owners.join(' and ')}, not ${command}`);
  if (values.grid && values.variants) throw new OptionError('sweep: give --grid or --variants, not both');
  const out = values.out ?? `runs/${command}`;
  if (command === 'report') {
    mergeReports(rest, out);
    return;
  }
  const base: FlagValues = values.base ? parseAssignments(values.base.trim().split(/\s+/), '--base') : (DEFAULT_BASES[command] ?? {});
  const methods = (values.methods ?? Object.keys(METHOD_NAMES)) as Method[];
  const backbones = parseBackbones(values.archs ?? MODELS_BACKBONES);
  const sizes = parseSizes(values.sizes ?? DATA_SIZES);
  const settings = values.grid
    ? gridSettings(values.grid)
    : values.variants
      ? Object.fromEntries(values.variants.map((name) => [name, SCREEN[name]!]))
      : SCREEN;
  const backend = await init({ threads: values.threads });
  const common = { data: values.data, out, base, testSubset: values['test-subset'] };
  const pretrained = values.pretrained ?? DEFAULT_PRETRAINED_DIR;
  if (command === 'sweep') await sweep(backend, { ...common, settings });
  else if (command === 'labels') await labels(backend, { ...common, pretrained, steps: values.steps ?? DEFAULT_STEPS });
  else if (command === 'transfer') await transfer(backend, { ...common, pretrained, digits: values.digits });
  else if (command === 'race') await race(backend, common);
  else if (command === 'overhead') await overhead(backend, common);
  else if (command === 'models')
    await models(backend, { ...common, backbones, methods, open: () => init({ threads: values.threads, log: () => {} }) });
  else if (command === 'data') await data(backend, { ...common, sizes, methods });
  else await ablation(backend, { ...common, only: values.only });
  backend.destroy();
});
