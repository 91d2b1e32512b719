// `npm run experiment -- race`: time to accuracy at full data. Ours, NPID, SimCLR and the
// supervised reference train one epoch each in turn (so the machine's drift falls on all
// alike), each evaluated by weighted kNN against the 60,000 training images after every
// epoch; the plot is kNN against training seconds, the table the time each needs to pass raw
// pixels and where each stands at equal time. Resumable: each racer keeps its checkpoint,
// and a restarted race continues every racer from its last finished epoch.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot } from '../cli/plot.js';
import {
  type EpochRecord,
  loadData,
  makeTrainer,
  pixelBaseline,
  probeTrainer,
  type RunState,
  startRun,
  trainEpochs,
} from '../cli/session.js';
import type { Backend } from '../engine/backend.js';
import { formatDuration } from '../numbers.js';
import { type FlagValues, type RunSetting, resolveSetting } from '../settings.js';
import type { BaseRecord } from './base.js';
import { openResults } from './rows.js';

const RACERS: { name: string; flags: FlagValues }[] = [
  { name: 'ours', flags: { method: 'ours' } },
  { name: 'NPID', flags: { method: 'npid' } },
  { name: 'SimCLR', flags: { method: 'simclr' } },
  { name: 'supervised', flags: { method: 'supervised' } },
];

interface Racer {
  name: string;
  setting: RunSetting;
  /** Seconds before the first step (ours' calibration). */
  setupSeconds: number;
  history: EpochRecord[];
  /** Linear probe on h after the last epoch. */
  probe?: number;
}

interface RaceFile extends BaseRecord {
  /** Raw pixels' kNN and probe, measured once (null until then). */
  pixels: { knn: number; probe: number } | null;
  backend: string;
  racers: Racer[];
}

/** A race file once its raw-pixel floor is measured, which is before any racer trains. */
type Race = RaceFile & { pixels: NonNullable<RaceFile['pixels']> };

/** Elapsed training seconds at the end of each epoch (setup included, evaluation excluded). */
const elapsed = (r: Racer) => r.history.map((_, e) => r.setupSeconds + r.history.slice(0, e + 1).reduce((sum, x) => sum + x.seconds, 0));

export async function race(backend: Backend, options: { data: string; out: string; base: FlagValues; testSubset: number }): Promise<void> {
  const { out } = options;
  // kNN every other epoch unless --base says otherwise: points enough for the plot, half the evaluation
  const settings = RACERS.map((r) => ({
    name: r.name,
    setting: resolveSetting({ 'eval-every': '2', ...options.base, ...r.flags }, 'full'),
  }));
  const { subset, config } = settings[0]!.setting;
  const data = loadData(options.data, subset, backend, config.seed, options.testSubset);
  const resultsPath = join(out, 'results.json');
  const fresh = (): RaceFile => ({ base: options.base, pixels: null, backend: backend.description, racers: [] });
  const opened = openResults(out, options.base, fresh, {}, 'full');
  opened.pixels ??= await pixelBaseline(data.train, data.test, true);
  const file = opened as Race;
  const epochs = Math.max(...settings.map((s) => s.setting.config.epochs));
  console.log(
    `race: ${settings.map((s) => s.name).join(', ')} on ${data.train.count} images, ${epochs} epochs each, one epoch each in turn → ${out}`,
  );
  const running = [];
  for (const { name, setting } of settings) {
    const trainer = makeTrainer(setting, backend, data.train, data.test);
    const dir = join(out, name.toLowerCase());
    const state: RunState = await startRun(setting, trainer, { out: dir, resume: true });
    const racer: Racer = file.racers.find((r) => r.name === name) ?? { name, setting, setupSeconds: state.trainSeconds, history: [] };
    racer.history = state.history; // the checkpoint's epochs are the ones that count
    if (!file.racers.includes(racer)) file.racers.push(racer);
    running.push({ racer, trainer, state, dir });
  }
  const started = performance.now();
  let done = 0;
  const total = running.reduce((sum, r) => sum + r.racer.setting.config.epochs - r.trainer.epoch, 0);
  for (let e = 1; e <= epochs; e++) {
    for (const { racer, trainer, state, dir } of running) {
      if (trainer.epoch >= e) continue;
      const eta = done === 0 ? '' : `, race about ${formatDuration(((performance.now() - started) / 1000 / done) * (total - done))} left`;
      console.log(`\n${racer.name}, epoch ${e}${eta}`);
      await trainEpochs(racer.setting, trainer, state, { out: dir, resume: false, probe: false, label: racer.name }, e);
      racer.history = state.history;
      done++;
      save(file, out);
    }
  }
  for (const { racer, trainer } of running) {
    if (racer.probe === undefined) {
      racer.probe = await probeTrainer(trainer);
      console.log(`${racer.name}: linear probe on h ${(100 * racer.probe).toFixed(2)} %`);
      save(file, out);
    }
    trainer.dispose();
  }
  save(file, out); // a finished race run again writes its table and plot anew
  console.log(`\n${table(file)}\n\n${join(out, 'race.md')}, ${join(out, 'race.svg')}, ${resultsPath}`);
}

function save(file: Race, out: string): void {
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(join(out, 'race.md'), `${table(file)}\n`);
  const series = file.racers
    .filter((r) => r.history.some((h) => h.knnV !== undefined))
    .map((r) => {
      const times = elapsed(r);
      return { name: r.name, points: r.history.flatMap((h, e) => (h.knnV === undefined ? [] : [[times[e]!, h.knnV] as [number, number]])) };
    });
  if (series.length > 0) {
    writeFileSync(
      join(out, 'race.svg'),
      linePlot(series, {
        xLabel: 'training seconds (weighted kNN top-1 on v, 60,000-image bank)',
        guides: [{ name: 'raw pixels', y: file.pixels.knn }],
        markers: true, // a dot an evaluated epoch
      }),
    );
  }
}

/**
 * Per racer: seconds per epoch, the last kNN and the linear probe, the time it first beat raw
 * pixels, and its kNN at the time the quickest racer finished (among the evaluated epochs).
 */
function table(file: Race): string {
  const pct = (x: number | undefined) => (x === undefined ? '—' : (100 * x).toFixed(1));
  const racers = file.racers.filter((r) => r.history.length > 0);
  const budget = Math.min(...racers.map((r) => elapsed(r).at(-1)!));
  const rows = racers.map((r) => {
    const times = elapsed(r);
    const evaluated = r.history
      .map((h, e) => ({ knn: h.knnV, time: times[e]!, epoch: e + 1 }))
      .filter((x): x is { knn: number; time: number; epoch: number } => x.knn !== undefined);
    const passed = evaluated.find((x) => x.knn > file.pixels.knn);
    const within = evaluated.filter((x) => x.time <= budget + 1e-9).at(-1);
    const perEpoch = r.history.reduce((sum, h) => sum + h.seconds, 0) / r.history.length;
    const passedAt = passed ? `${passed.time.toFixed(0)} (epoch ${passed.epoch})` : 'not yet';
    const knnAtBudget = within ? `${pct(within.knn)} (${within.epoch})` : '—';
    return (
      `| ${r.name} | ${r.history.length} | ${perEpoch.toFixed(0)} | ${pct(evaluated.at(-1)?.knn)} | ${pct(r.probe)} | ` +
      `${passedAt} | ${knnAtBudget} |`
    );
  });
  const atBudget = `kNN at ${budget.toFixed(0)} s (epoch)`;
  return [
    `| method | epochs | s / epoch | kNN (v) | linear probe (h) | seconds to pass raw pixels' kNN | ${atBudget} |`,
    '|---|---|---|---|---|---|---|',
    `| raw pixels | | | ${pct(file.pixels.knn)} | ${pct(file.pixels.probe)} | | |`,
    ...rows,
  ].join('\n');
}
