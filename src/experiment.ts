// `npm run experiment -- <name>`: the experiments behind the README's tables and plots, each
// resumable (run it again after a kill and it continues), each a module of src/experiments/.
//   ablation   NPID, each component of the method alone, the full method (docs/method.md §6)
//   overhead   ours, NPID and the dual-branch SimCLR: time, memory, kNN at equal wall-clock
//   sweep      the recipe search: a row per setting, every setting kept
//   race       ours, NPID, SimCLR and supervised at full data: kNN against training seconds
// A setting is written with the training flags of `npm start` (`--base "flag=value …"`).

import { parseArgs } from 'node:util';
import { EXIT_DIVERGED } from './cli/session.js';
import { DEFAULT_DATA_DIR } from './data/fashion-mnist.js';
import { ABLATION, ablation, mergeReports } from './experiments/ablation.js';
import { overhead } from './experiments/overhead.js';
import { race } from './experiments/race.js';
import { gridSettings, SCREEN, SWEEP_BASE, sweep } from './experiments/sweep.js';
import { DivergenceError } from './method/guard.js';
import { init } from './node.js';
import { type FlagValues, parseAssignments } from './settings.js';

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

--base takes the training flags of npm start (npm start -- --help) as name=value words.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: DEFAULT_DATA_DIR },
    out: { type: 'string' },
    only: { type: 'string' },
    threads: { type: 'string' },
    base: { type: 'string' },
    grid: { type: 'string' },
    variants: { type: 'string' },
    'test-subset': { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});
const [command, ...rest] = positionals;

try {
  if (values.help || !command) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!['ablation', 'report', 'overhead', 'sweep', 'race'].includes(command)) throw new Error(`no experiment ${command}\n\n${USAGE}`);
  const out = values.out ?? `runs/${command}`;
  if (command === 'report') {
    mergeReports(rest, out);
    process.exit(0);
  }
  const base: FlagValues = values.base
    ? parseAssignments(values.base.trim().split(/\s+/), '--base')
    : command === 'sweep'
      ? SWEEP_BASE
      : {};
  const testSubset = Number(values['test-subset']);
  const names = values.variants?.split(',');
  for (const name of names ?? [])
    if (!(name in SCREEN)) throw new Error(`--variants: no variant ${name}; there are ${Object.keys(SCREEN).join('; ')}`);
  const only = values.only?.split(',');
  for (const name of only ?? [])
    if (!ABLATION.some((r) => r.name === name))
      throw new Error(`--only: no run ${name}; there are ${ABLATION.map((r) => r.name).join('; ')}`);
  const backend = await init({ threads: values.threads ? Number(values.threads) : undefined });
  const common = { data: values.data!, out, base, testSubset };
  if (command === 'sweep') {
    const settings = values.grid
      ? gridSettings(values.grid)
      : names
        ? Object.fromEntries(names.map((name) => [name, SCREEN[name]!]))
        : SCREEN;
    await sweep(backend, { ...common, settings });
  } else if (command === 'race') {
    await race(backend, common);
  } else if (command === 'overhead') {
    await overhead(backend, common);
  } else {
    await ablation(backend, { ...common, only });
  }
  backend.destroy();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(error instanceof DivergenceError ? EXIT_DIVERGED : 1);
}
