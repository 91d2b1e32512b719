// What the experiments that write a table row per run share (sweep, models, data): a results
// file that belongs to one --base, a setting written back as flags, the plan of runs with the
// time it will take before the first starts, a line before each run with the time left, the
// loop that trains each run not done yet and saves its row (models, data), the method names,
// markdown tables and plots of a line per method.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot } from '../cli/plot.js';
import { type DeviceData, type EpochRecord, type RunResult, runTraining } from '../cli/session.js';
import { OptionError } from '../engine/values.js';
import { formatDuration } from '../numbers.js';
import { type FlagValues, type Method, type Recipe, type RunSetting, resolveSetting, type TrainFlag } from '../settings.js';
import { slug } from './ablation.js';
import { type BaseRecord, baseRecord, checkBase } from './base.js';

/** The methods as the tables name them, in the tables' order. */
export const METHOD_NAMES: Record<Method, string> = { ours: 'ours', npid: 'NPID', simclr: 'SimCLR', supervised: 'supervised' };

/** Flags as `name value` words for a reader, or `--name value` (the way npm start takes them). */
export function describe(flags: FlagValues, asFlags = false): string {
  const entries = Object.entries(flags) as [TrainFlag, string][];
  if (entries.length === 0) return asFlags ? '' : 'the base';
  return entries.map(([k, v]) => (asFlags ? `--${k} ${v}` : `${k} ${v}`)).join(asFlags ? ' ' : ', ');
}

/** `npm start`'s command line for a setting. */
export function startCommand(flags: FlagValues): string {
  return `npm start -- ${describe(flags, true)}`;
}

/** Refuses a --base that sets a flag the experiment sets itself, in one line. */
export function refuseFlags(experiment: string, base: FlagValues, flags: TrainFlag[], why: string): void {
  const set = flags.filter((flag) => base[flag] !== undefined);
  if (set.length > 0) throw new OptionError(`${experiment}: --base sets ${set.join(', ')}; ${why}`);
}

/**
 * <out>/results.json (its directory made), or `fresh()` where there is none yet. A file made
 * with another --base (its words, or what they resolve to: checkBase), or another value of a
 * field of `same` (the test images, say), is refused in one line that names it: its rows
 * would not be this run's. `recipe`: the preset the experiment's settings start from.
 */
export function openResults<F extends BaseRecord>(
  out: string,
  base: FlagValues,
  fresh: () => F,
  same: Partial<F> = {},
  recipe?: Recipe,
): F {
  mkdirSync(out, { recursive: true });
  const path = join(out, 'results.json');
  const record = baseRecord(base, recipe);
  if (!existsSync(path)) return { ...fresh(), baseConfig: record.baseConfig };
  const file = JSON.parse(readFileSync(path, 'utf8')) as F;
  checkBase(path, file, record);
  for (const [key, value] of Object.entries(same))
    if (JSON.stringify(file[key as keyof F]) !== JSON.stringify(value))
      throw new Error(
        `${path}: made with ${key} ${JSON.stringify(file[key as keyof F])}, this run has ${JSON.stringify(value)}; use another --out`,
      );
  return file;
}

/** Writes <out>/results.json, then the other files of the experiment (its table, its plot; undefined: not yet). */
export function saveResults(out: string, file: object, others: Record<string, string | undefined> = {}): void {
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(file, null, 2)}\n`);
  for (const [name, text] of Object.entries(others)) if (text !== undefined) writeFileSync(join(out, name), text);
}

/** An accuracy in [0, 1] as a percentage with one decimal; a dash where there is none. */
export const pct = (x: number | undefined) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : (100 * x).toFixed(1));

/** 77.1k, 2.8M: a count for a label. */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  return n >= 1e3 ? `${Number((n / 1e3).toPrecision(3))}k` : String(n);
}

/** Rows of the methods in their order (METHOD_NAMES), then by `key` within a method's. */
export function byMethod<R extends { method: Method }>(rows: R[], key: (row: R) => number): R[] {
  const methods = Object.keys(METHOD_NAMES);
  return [...rows].sort((a, b) => key(a) - key(b) || methods.indexOf(a.method) - methods.indexOf(b.method));
}

/**
 * A line per method through its rows' points, on a logarithmic x axis ticked at the rows' x
 * (shortCount), with a dashed guide (raw pixels); undefined before the first row.
 */
export function methodPlot<R extends { method: Method }>(
  rows: R[],
  point: (row: R) => [number, number],
  xLabel: string,
  guide?: { name: string; y: number },
): string | undefined {
  const series = Object.entries(METHOD_NAMES)
    .map(([method, name]) => ({
      name,
      points: rows
        .filter((r) => r.method === method)
        .map(point)
        .filter(([, y]) => Number.isFinite(y)) // a run that did not fit the device has no score (null in results.json)
        .sort((a, b) => a[0] - b[0]),
    }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return undefined;
  const xTicks = [...new Set(rows.map((r) => point(r)[0]))].sort((a, b) => a - b);
  return linePlot(series, { xLabel, xLog: true, xTicks, xFormat: shortCount, markers: true, guides: guide ? [guide] : [] });
}

/**
 * A row's kNN on v and h and linear probe, then the `count` cells of `more`; or "out of
 * memory" and blanks where the run did not fit (its numbers are null: `more` is not called).
 */
export function scoreCells(row: TrainedRow, count: number, more: () => string[]): string[] {
  if (row.outOfMemory) return ['out of memory', '', '', ...Array<string>(count).fill('')];
  return [pct(row.knnV), pct(row.knnH), pct(row.probe), ...more()];
}

/** A sentence a row that did not fit the device, for a caption: its error. */
export function outOfMemoryNotes(rows: TrainedRow[]): string {
  return rows
    .filter((r) => r.outOfMemory)
    .map((r) => ` *Out of memory*, ${r.name}: ${r.outOfMemory}.`)
    .join('');
}

/** A markdown table. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * A run's work in multiply-adds of its backbone, for its estimate: a training step about three
 * forward passes an image (the forward, and the backward's two products) of each view (SimCLR
 * has two), ours' calibration one forward pass over the training images, the evaluation two
 * over the labelled and the test images (for kNN, then again for the probe). The head, kNN's
 * and the probe's own products are left out: the pace of the runs done takes them in.
 */
function runWork(setting: RunSetting, macs: number, images: { train: number; labelled: number; test: number }): number {
  const views = setting.method === 'simclr' ? 2 : 1;
  const calibrates = (setting.method === 'ours' || setting.method === 'npid') && setting.config.init === 'calibrate';
  const calibration = calibrates ? images.train : 0;
  return macs * (3 * views * images.train * setting.config.epochs + calibration + 2 * (images.labelled + images.test));
}

/**
 * Seconds per multiply-add of runWork before any run is done, measured by the models experiment
 * of 2026-12-02 on the two-core machine (WebAssembly + FMA, two threads, alone): 4–5e-11 on
 * fmnist-resnet ×0.5 (a small network's steps have more fixed cost per multiply-add), 2.3–3e-11
 * on ×1 and 2–2.8e-11 on resnet18 ×0.5, 6.4–7.5e-11 on mobilenetv2 ×0.5 (its depthwise layers
 * do little work per byte). Rough: a GPU is far faster, another process on the cores slower;
 * the first run done replaces it.
 */
export const UNTIMED_PACE = 4e-11;

/**
 * A run of a plan: its name, its work in any unit its time grows with (multiply-adds, say),
 * and its kind (runs of a kind go at one pace: the same backbone, say).
 */
export interface PlannedRun {
  name: string;
  work: number;
  kind: string;
}

/**
 * The runs of an experiment in the order they run, and how long those not done yet will
 * take: each its work at the pace (seconds per unit of work) of the finished runs of its kind,
 * or of all finished runs, or before any has finished, `pace` (a rough figure measured once).
 * It prints the plan before the first run and a line before each with the time left.
 */
export class Schedule<P extends PlannedRun> {
  /** Seconds each finished run took, by name. */
  private readonly seconds: Map<string, number>;

  /** `done`: the rows of the runs finished before; one out of memory is done, but no pace to go by. */
  constructor(
    readonly runs: P[],
    done: { name: string; seconds: number; outOfMemory?: string }[],
    private readonly pace: number,
  ) {
    this.seconds = new Map(done.map((r) => [r.name, r.outOfMemory ? NaN : r.seconds]));
  }

  /** Puts the runs in the order of their estimates, the cheapest first. */
  cheapestFirst(): this {
    const seconds = new Map(this.runs.map((r) => [r, this.estimate(r)]));
    this.runs.sort((a, b) => seconds.get(a)! - seconds.get(b)!);
    return this;
  }

  get todo(): P[] {
    return this.runs.filter((r) => !this.seconds.has(r.name));
  }

  /** The seconds a run will take, at the pace of the finished runs most like it. */
  estimate(run: P): number {
    const finished = this.runs.filter((r) => Number.isFinite(this.seconds.get(r.name)));
    const like = finished.filter((r) => r.kind === run.kind);
    const from = like.length > 0 ? like : finished;
    const pace =
      from.length > 0 ? from.reduce((sum, r) => sum + this.seconds.get(r.name)!, 0) / from.reduce((sum, r) => sum + r.work, 0) : this.pace;
    return run.work * pace;
  }

  /** The seconds the runs not done yet will take. */
  left(): number {
    return this.todo.reduce((sum, r) => sum + this.estimate(r), 0);
  }

  /** The plan: every run, done or its estimate, and the total. */
  print(title: string): void {
    const todo = this.todo;
    const runs = `${this.runs.length} run${this.runs.length === 1 ? '' : 's'}`;
    console.log(`${title}: ${runs}, ${todo.length} to run, about ${formatDuration(this.left())} in all (rough)`);
    for (const run of this.runs) {
      const seconds = this.seconds.get(run.name);
      console.log(`  ${run.name.padEnd(36)} ${seconds === undefined ? `about ${formatDuration(this.estimate(run))}` : 'done'}`);
    }
  }

  /**
   * Runs `each` on every run not done yet, in order, with a line before each (its estimate and
   * the time left in all); `each` gets the seconds since it began, for its row, and says
   * whether the run is a pace to go by (not one that ran out of memory).
   */
  async runAll(each: (run: P, elapsed: () => number) => Promise<boolean>): Promise<void> {
    const todo = this.todo;
    for (const [i, run] of todo.entries()) {
      console.log(
        `\n[${i + 1}/${todo.length}] ${run.name}: about ${formatDuration(this.estimate(run))}, ${formatDuration(this.left())} left in all`,
      );
      const start = performance.now();
      const elapsed = () => (performance.now() - start) / 1000;
      const timed = await each(run, elapsed);
      this.seconds.set(run.name, timed ? elapsed() : NaN);
    }
  }
}

/** A run of a row experiment (models, data): its plan, its method, the flags that make it and its setting. */
export interface PlannedTraining extends PlannedRun {
  method: Method;
  flags: FlagValues;
  setting: RunSetting;
}

/** What every row of a row experiment holds; each experiment adds its own fields. */
export interface TrainedRow {
  name: string;
  method: Method;
  /** After the last epoch: kNN on v and h, the linear probe on h (null in results.json where the run did not fit). */
  knnV: number;
  knnH: number;
  probe: number;
  /** Training seconds, calibration included. */
  trainSeconds: number;
  /** Why the run did not fit the device, where it did not. */
  outOfMemory?: string;
  /** Wall-clock seconds of the row in the process that finished it: training, evaluation, probe. */
  seconds: number;
  /** `npm start`'s command for the run, evaluated once after its last epoch. */
  command: string;
  backend: string;
  finished: string;
}

export interface RowsFile<R extends TrainedRow> {
  base: FlagValues;
  pixels: { knn: number; probe: number } | null;
  rows: R[];
}

/** A run of a row experiment: the setting `flags` make, evaluated once after its last epoch, and its work at `macs` an image (runWork). */
export function planTraining(
  name: string,
  kind: string,
  flags: FlagValues,
  macs: number,
  images: { train: number; labelled: number; test: number },
): PlannedTraining {
  const resolved = resolveSetting(flags);
  const setting = { ...resolved, evalEvery: resolved.config.epochs };
  return { name, kind, work: runWork(setting, macs, images), method: setting.method, flags, setting };
}

/**
 * The run, or, where it does not fit the device (SimCLR's two views of a batch on mobilenetv2
 * ×0.5 pass WebAssembly's 4 GiB heap), the error that says so: a result, not the end of the
 * experiment. Its row is not run again; delete the row from results.json to try again.
 */
async function trainUnlessOutOfMemory(run: PlannedTraining, data: DeviceData, out: string): Promise<RunResult | { outOfMemory: string }> {
  try {
    return await runTraining(run.setting, data, { out: join(out, slug(run.name)), resume: true, probe: true, label: run.name });
  } catch (error) {
    if (!(error instanceof Error && /out of memory/i.test(error.message))) throw error;
    console.log(`${run.name}: ${error.message}; its row says so`);
    return { outOfMemory: error.message };
  }
}

/**
 * The loop of the row experiments: the plan with its time, raw pixels once (`pixels`), then
 * every run not done yet, trained on `dataFor(run)` with its checkpoint in <out>/<slug(name)>/
 * (a killed run resumes from its last epoch) and evaluated once after its last epoch; its row
 * (`row` adds the experiment's fields to the common ones) is saved at once with results.json
 * and `outputs()` (the table first, then the plot), which end on the console.
 */
export async function trainRows<P extends PlannedTraining, R extends TrainedRow>(options: {
  title: string;
  out: string;
  file: RowsFile<R>;
  schedule: Schedule<P>;
  pixels: () => Promise<{ knn: number; probe: number }>;
  dataFor: (run: P) => Promise<DeviceData>;
  row: (run: P, common: TrainedRow, epochs: EpochRecord[]) => R;
  outputs: () => Record<string, string | undefined>;
}): Promise<void> {
  const { out, file, schedule } = options;
  schedule.print(options.title);
  const save = () => saveResults(out, file, options.outputs());
  if (!file.pixels) {
    file.pixels = await options.pixels();
    save();
  }
  await schedule.runAll(async (run, elapsed) => {
    const data = await options.dataFor(run);
    const result = await trainUnlessOutOfMemory(run, data, out);
    const trained = 'epochs' in result;
    const common: TrainedRow = {
      name: run.name,
      method: run.method,
      knnV: trained ? result.knnV : NaN,
      knnH: trained ? result.knnH : NaN,
      probe: trained ? result.probe : NaN,
      trainSeconds: trained ? result.trainSeconds : NaN,
      ...(trained ? {} : { outOfMemory: result.outOfMemory }),
      seconds: elapsed(),
      command: startCommand({ ...run.flags, 'eval-every': String(run.setting.config.epochs) }),
      backend: data.backend.description,
      finished: new Date().toISOString(),
    };
    file.rows.push(options.row(run, common, trained ? result.epochs : []));
    save();
    return trained;
  });
  save();
  const outputs = Object.entries(options.outputs());
  console.log(`\n${outputs[0]![1]}\n${[...outputs.map(([name]) => join(out, name)), join(out, 'results.json')].join(', ')}`);
}
