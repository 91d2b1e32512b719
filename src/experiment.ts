// `npm run experiment -- <name>`: the experiments behind the README's tables and plots, each
// resumable (run it again after a kill and it continues), each a module of src/experiments/.
//   ablation   NPID, each component of the method alone, the full method (docs/method.md §6)
//   overhead   ours, NPID and the dual-branch SimCLR: time, memory, kNN at equal wall-clock
//   sweep      the recipe search: a row per setting, every setting kept
//   race       ours, NPID, SimCLR and supervised at full data: kNN against training seconds
//   labels     label efficiency: probe, fine-tune and from scratch on 1 %, 10 %, 100 % of the labels
//   transfer   frozen Fashion-MNIST features on MNIST digits, against raw pixels and a random network
// A setting is written with the training flags of `npm start` (`--base "flag=value …"`).

import { HELP_OPTION, type OptionSpec, optionHelp, readCommandLine, runCommand, THREADS_OPTION } from './cli/args.js';
import { DEFAULT_DATA_DIR } from './data/fashion-mnist.js';
import { OptionError } from './engine/values.js';
import { ABLATION, ablation, mergeReports } from './experiments/ablation.js';
import { DEFAULT_STEPS, labels } from './experiments/labels.js';
import { overhead } from './experiments/overhead.js';
import { DEFAULT_PRETRAINED_DIR } from './experiments/pretrained.js';
import { race } from './experiments/race.js';
import { gridSettings, SCREEN, SWEEP_BASE, sweep } from './experiments/sweep.js';
import { transfer } from './experiments/transfer.js';
import { init } from './node.js';
import { type FlagValues, parseAssignments } from './settings.js';

const EXPERIMENTS = ['ablation', 'report', 'overhead', 'sweep', 'race', 'labels', 'transfer'];

const OPTIONS = {
  base: { kind: { text: 'flag=value words' }, help: 'the setting: training flags of npm start as "flag=value …"' },
  grid: { kind: { text: 'flag=value,value words' }, help: 'sweep: every combination of "flag=a,b flag=c,d"' },
  variants: { kind: { list: Object.keys(SCREEN) }, help: 'sweep: some of the variants, comma-separated' },
  only: { kind: { list: ABLATION.map((r) => r.name) }, help: 'ablation: some of the runs, comma-separated' },
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

/** Options that one experiment reads: given to another, they are refused rather than ignored. */
const ONLY_FOR: Record<string, string[]> = {
  grid: ['sweep'],
  variants: ['sweep'],
  only: ['ablation'],
  pretrained: ['labels', 'transfer'],
  steps: ['labels'],
  digits: ['transfer'],
};

const USAGE = `npm run experiment -- <experiment> [--base "flag=value …"] [--out DIR] [--threads N] [--data DIR] [--test-subset N]

  ablation [--only name,name]    ${ABLATION.map((r) => r.name).join('; ')} (default base: npm start's)
  report DIR… [--out DIR]        merges the results.json of ablations run apart (--only)
  overhead                       ours, NPID and SimCLR epoch by epoch in turn (default base: npm start's)
  sweep [--grid "flag=a,b flag=c,d" | --variants name,name]
                                 the recipe search (default base: ${Object.entries(SWEEP_BASE)
                                   .map(([k, v]) => `${k}=${v}`)
                                   .join(' ')});
                                 without --grid the variants are: ${Object.keys(SCREEN).join('; ')}
  race                           ours, NPID, SimCLR and supervised at --preset full, kNN against time
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
  for (const [name, owners] of Object.entries(ONLY_FOR))
    if (values[name as keyof typeof values] !== undefined && !owners.includes(command))
      throw new OptionError(`--${name} is for ${owners.join(' and ')}, not ${command}`);
  if (values.grid && values.variants) throw new OptionError('sweep: give --grid or --variants, not both');
  const out = values.out ?? `runs/${command}`;
  if (command === 'report') {
    mergeReports(rest, out);
    return;
  }
  const base: FlagValues = values.base
    ? parseAssignments(values.base.trim().split(/\s+/), '--base')
    : command === 'sweep'
      ? SWEEP_BASE
      : {};
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
  else await ablation(backend, { ...common, only: values.only });
  backend.destroy();
});
