// `npm run experiment -- sweep`: the recipe search. Each setting (a named list of variants,
// or the product of a grid) is trained at a reduced budget and evaluated by weighted kNN and
// the linear probe; one table row per setting, every setting kept, the losers included.
// Resumable at every level: a finished setting is not run again, a killed one continues from
// its last epoch's checkpoint, and the table is rewritten after every setting.

import { join } from 'node:path';
import { loadData, pixelBaseline, runTraining } from '../cli/session.js';
import type { Backend } from '../engine/backend.js';
import { OptionError } from '../engine/values.js';
import { formatDuration } from '../numbers.js';
import { type FlagValues, parseAssignments, resolveSetting } from '../settings.js';
import { slug } from './ablation.js';
import { describe, openResults, saveResults, startCommand } from './rows.js';

/** One knob at a time from the base: what a practitioner would try first on 28×28 grayscale. */
export const SCREEN: Record<string, FlagValues> = {
  base: {},
  'crop-min 0.5': { 'crop-min': '0.5' },
  'crop-min 0.35': { 'crop-min': '0.35' },
  'crop-min 0.7': { 'crop-min': '0.7' },
  'lr 0.1, warm-up 1': { lr: '0.1', warmup: '1' },
  'lr 0.3, warm-up 1': { lr: '0.3', warmup: '1' },
  'batch 128': { batch: '128' },
  'batch 64': { batch: '64' },
  'τ 0.2': { tau: '0.2' },
  'τ 0.07': { tau: '0.07' },
  'λ 5': { lambda: '5' },
  'λ 50': { lambda: '50' },
  'm 0.8': { m: '0.8' },
  'm 0.2': { m: '0.2' },
  'rotate 15°': { rotate: '15' },
  'translate 0.1': { translate: '0.1' },
  'erase 0.25': { erase: '0.25' },
  'negatives all': { negatives: '0' },
  'negatives 1024': { negatives: '1024' },
  'hidden 1024': { hidden: '1024' },
  'head linear': { head: 'linear' },
  'width 1': { width: '1' },
  'epochs ×2': { epochs: 'double' },
};

/**
 * The screen's base: 100,000 images seen per setting (the old `npm start` saw 150,000), on twice
 * its images, with the defaults the search started from (batch 256, lr 0.03 without warm-up,
 * crop 0.2–1) pinned, so that its rows stay one table and their commands reproduce them now
 * that npm start's defaults are the search's winners.
 */
export const SWEEP_BASE: FlagValues = {
  subset: '20000',
  epochs: '5',
  negatives: '4096',
  batch: '256',
  lr: '0.03',
  warmup: '0',
  'crop-min': '0.2',
};

interface SweepRow {
  name: string;
  /** The flags on top of the base. */
  flags: FlagValues;
  /** What reproduces the row by itself. */
  command: string;
  knnV: number;
  knnH: number;
  probe: number;
  trainSeconds: number;
  evalSeconds: number;
  backend: string;
  finished: string;
}

interface SweepFile {
  base: FlagValues;
  pixels: { knn: number; probe: number } | null;
  rows: SweepRow[];
}

/** `flag=a,b flag2=c` → every combination, named by its assignments. */
export function gridSettings(grid: string): Record<string, FlagValues> {
  const axes = grid
    .trim()
    .split(/\s+/)
    .map((word) => {
      const [name, list] = word.split('=') as [string, string | undefined];
      if (!list) throw new OptionError(`--grid: expected flag=value,value…; got ${word}`);
      return list.split(',').map((value) => `${name}=${value}`);
    });
  const combos = axes.reduce<string[][]>((acc, axis) => acc.flatMap((c) => axis.map((a) => [...c, a])), [[]]);
  return Object.fromEntries(combos.map((words) => [words.join(' '), parseAssignments(words, '--grid')]));
}

/** Runs every setting not yet in <out>/results.json, in order; writes the table after each. */
export async function sweep(
  backend: Backend,
  options: { data: string; out: string; base: FlagValues; settings: Record<string, FlagValues>; testSubset: number },
): Promise<void> {
  const { out } = options;
  const file: SweepFile = openResults(out, options.base, () => ({ base: options.base, pixels: null, rows: [] }));
  const baseSetting = resolveSetting(options.base);
  // every setting resolved (and so checked) before the first one trains
  const todo = Object.entries(options.settings)
    .filter(([name]) => !file.rows.some((r) => r.name === name))
    .map(([name, variant]) => {
      const flags = expand(variant, options.base);
      const setting = resolveSetting({ ...options.base, ...flags });
      if (setting.subset !== baseSetting.subset || setting.config.seed !== baseSetting.config.seed) {
        throw new OptionError(
          `sweep ${name}: subset and seed are the base's (${baseSetting.subset}, ${baseSetting.config.seed}); sweep them with another base`,
        );
      }
      return { name, flags, setting };
    });
  console.log(`sweep: ${Object.keys(options.settings).length} settings, ${todo.length} to run, base ${describe(options.base)} → ${out}`);
  const started = performance.now();
  const data = loadData(options.data, baseSetting.subset, backend, baseSetting.config.seed, options.testSubset);
  if (!file.pixels) {
    file.pixels = await pixelBaseline(data.train, data.test, true);
    save(file, out);
  }
  for (const [i, { name, flags, setting }] of todo.entries()) {
    const eta = i === 0 ? '' : `, about ${formatDuration(((performance.now() - started) / 1000 / i) * (todo.length - i))} left`;
    console.log(`\n[${i + 1}/${todo.length}] ${name}: ${describe(flags)}${eta}`);
    const result = await runTraining({ ...setting, evalEvery: setting.config.epochs }, data, {
      out: join(out, slug(name)),
      resume: true,
      probe: true,
      label: name,
    });
    file.rows.push({
      name,
      flags,
      // the sweep evaluates once, after the last epoch
      command: startCommand({ ...options.base, ...flags, 'eval-every': String(setting.config.epochs) }),
      knnV: result.knnV,
      knnH: result.knnH,
      probe: result.probe,
      trainSeconds: result.trainSeconds,
      evalSeconds: result.epochs.reduce((sum, e) => sum + e.evalSeconds, 0),
      backend: data.backend.description,
      finished: new Date().toISOString(),
    });
    save(file, out);
  }
  console.log(`\n${table(file, Object.keys(options.settings))}\n\n${join(out, 'sweep.md')}, ${join(out, 'results.json')}`);
}

/** 'double' for epochs: twice the base's. */
function expand(variant: FlagValues, base: FlagValues): FlagValues {
  if (variant.epochs !== 'double') return variant;
  return { ...variant, epochs: String(2 * resolveSetting(base).config.epochs) };
}

function save(file: SweepFile, out: string): void {
  saveResults(out, file, { 'sweep.md': `${table(file)}\n` });
}

/** The markdown table: a row per finished setting, with its change against the base row. */
function table(file: SweepFile, order?: string[]): string {
  const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '—');
  const base = file.rows.find((r) => r.name === 'base');
  const delta = (x: number, b: number | undefined) =>
    b === undefined || !Number.isFinite(x) ? '' : ` (${x >= b ? '+' : '−'}${Math.abs(100 * (x - b)).toFixed(1)})`;
  const score = (r: SweepRow, key: 'knnV' | 'knnH' | 'probe') => `${pct(r[key])}${delta(r[key], base?.[key])}`;
  const rows = order ? order.flatMap((name) => file.rows.filter((r) => r.name === name)) : file.rows;
  return [
    '| setting | kNN (v) | kNN (h) | linear probe (h) | train s | command |',
    '|---|---|---|---|---|---|',
    ...(file.pixels ? [`| raw pixels | ${pct(file.pixels.knn)} | | ${pct(file.pixels.probe)} | | |`] : []),
    ...rows.map((r) => {
      const scores = [score(r, 'knnV'), score(r, 'knnH'), score(r, 'probe')].join(' | ');
      return `| ${r.name} | ${scores} | ${r.trainSeconds.toFixed(0)} | \`${r.command}\` |`;
    }),
  ].join('\n');
}
