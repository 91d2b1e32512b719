// `npm run experiment -- overhead`: ours, NPID and the dual-branch SimCLR at one setting (the
// quick preset unless --base says otherwise), epoch by epoch in turn in one process: a
// markdown table of seconds per epoch, peak device memory and kNN accuracy at equal epochs
// and at equal wall-clock (docs/method.md §6), and an SVG plot.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knnPlot } from '../cli/plot.js';
import { ProgressBar } from '../cli/progress.js';
import { loadData, makeTrainer } from '../cli/session.js';
import type { Backend } from '../engine/backend.js';
import type { EncoderTrainer } from '../method/encoder-trainer.js';
import { Trainer } from '../method/train.js';
import { median } from '../numbers.js';
import { type FlagValues, resolveSetting } from '../settings.js';

interface OverheadResult {
  name: string;
  /** Training seconds of each epoch (kNN evaluation excluded). */
  epochSeconds: number[];
  /** Seconds spent before the first step: ours' feature-calibrate pass. */
  setupSeconds: number;
  /** The median of epochSeconds. */
  secondsPerEpoch: number;
  /**
   * The most bytes live on the device at once for this method in its training epochs: the
   * images, what the trainer keeps between epochs, and the most its steps added on top.
   */
  peakBytes: number;
  /** The same during the pass before the first step (0: none). */
  setupPeakBytes: number;
  /** kNN top-1 on v after each epoch. */
  knn: number[];
}

/**
 * Ours, NPID and SimCLR at the same setting (subset, epochs, batch, backbone, seed), epoch by
 * epoch in turn (ours' epoch 1, NPID's, SimCLR's, ours' epoch 2…), so the machine's noise
 * falls on all three alike: training time, peak device memory and kNN after every epoch.
 */
export async function overhead(
  backend: Backend,
  options: { data: string; out: string; base: FlagValues; testSubset: number },
): Promise<void> {
  const { out } = options;
  mkdirSync(out, { recursive: true });
  const settings = [
    ['ours', 'ours'],
    ['NPID', 'npid'],
    ['SimCLR', 'simclr'],
  ].map(([name, method]) => ({ name: name!, setting: resolveSetting({ ...options.base, method }) }));
  const { subset, config } = settings[0]!.setting;
  const { epochs, batch } = config;
  const { train, test } = loadData(options.data, subset, backend, config.seed, options.testSubset);
  const methods: { name: string; make: () => EncoderTrainer }[] = settings.map(({ name, setting }) => ({
    name,
    make: () => makeTrainer(setting, backend, train, test),
  }));
  /**
   * Runs `work` and the device work it queued: its result, seconds, and the most bytes it
   * added at once to those live before it (its activations, gradients and workspaces).
   */
  const measured = async <T>(work: () => T | Promise<T>): Promise<{ result: T; seconds: number; addedBytes: number }> => {
    await backend.sync();
    const before = backend.memory().liveBytes;
    backend.resetPeak();
    const start = performance.now();
    const result = await work();
    await backend.sync();
    return { result, seconds: (performance.now() - start) / 1000, addedBytes: backend.memory().peakBytes - before };
  };
  const dataBytes = backend.memory().liveBytes;
  const runs = methods.map((method) => ({
    method,
    trainer: null as EncoderTrainer | null,
    setup: null as { seconds: number; addedBytes: number } | null,
    ownBytes: 0,
    addedBytes: 0,
    epochSeconds: [] as number[],
    knn: [] as number[],
  }));
  for (let e = 0; e < epochs; e++) {
    for (const run of runs) {
      const { name } = run.method;
      const liveBefore = backend.memory().liveBytes;
      if (!run.trainer) {
        const trainer = (run.trainer = run.method.make());
        if (trainer instanceof Trainer && trainer.config.init === 'calibrate') run.setup = await measured(() => trainer.calibrate());
      }
      const trainer = run.trainer;
      const bar = new ProgressBar(`${name}, epoch ${e + 1}/${epochs}`, trainer.stepsPerEpoch);
      const epoch = await measured(() => trainer.trainEpoch((done) => bar.update(done, trainer.imagesAfter(done))));
      bar.finish();
      // what the trainer keeps between epochs (weights, velocities, bank), counted once it has all of it
      if (e === 0) run.ownBytes = backend.memory().liveBytes - liveBefore;
      run.epochSeconds.push(epoch.result.seconds);
      run.addedBytes = Math.max(run.addedBytes, epoch.addedBytes);
      const knn = (await trainer.evaluate({ h: false })).knnV;
      run.knn.push(knn);
      const peak = mib(dataBytes + run.ownBytes + run.addedBytes);
      console.log(`${name}: epoch ${e + 1}, ${epoch.result.seconds.toFixed(1)} s, peak ${peak} MiB, kNN ${(100 * knn).toFixed(2)} %`);
    }
    const results: OverheadResult[] = runs.map((run) => ({
      name: run.method.name,
      epochSeconds: run.epochSeconds,
      setupSeconds: run.setup?.seconds ?? 0,
      secondsPerEpoch: median(run.epochSeconds),
      peakBytes: dataBytes + run.ownBytes + run.addedBytes,
      setupPeakBytes: run.setup ? dataBytes + run.ownBytes + run.setup.addedBytes : 0,
      knn: run.knn,
    }));
    writeFileSync(
      join(out, 'results.json'),
      `${JSON.stringify(
        {
          base: options.base,
          subset: train.count,
          testImages: test.count,
          epochs,
          epochsDone: e + 1,
          batch,
          arch: config.arch,
          width: config.width,
          seed: config.seed,
          backend: backend.description,
          dataBytes,
          results,
        },
        null,
        2,
      )}\n`,
    );
    if (e === epochs - 1)
      overheadReport(results, {
        dataBytes,
        out,
        epochs,
        batch,
        arch: config.arch,
        width: config.width,
        lr: config.lr,
        seed: config.seed,
        images: train.count,
        testImages: test.count,
        backend: backend.description,
      });
  }
  for (const run of runs) run.trainer?.dispose();
}

/** The overhead table, with its caption, as markdown in overhead.md. */
interface ReportContext {
  dataBytes: number;
  out: string;
  epochs: number;
  batch: number;
  arch: string;
  width: number;
  lr: number;
  seed: number;
  images: number;
  testImages: number;
  backend: string;
}

function overheadReport(
  results: OverheadResult[],
  { dataBytes, out, epochs, batch, arch, width, lr, seed, images, testImages, backend }: ReportContext,
): void {
  const ours = results.find((r) => r.name === 'ours')!,
    simclr = results.find((r) => r.name === 'SimCLR')!;
  const elapsed = (r: OverheadResult) =>
    r.epochSeconds.map((_, e) => r.setupSeconds + r.epochSeconds.slice(0, e + 1).reduce((a, b) => a + b, 0));
  const budget = elapsed(ours).at(-1)!;
  const pct = (x: number) => (100 * x).toFixed(1);
  const rows = results.map((r) => {
    const done = elapsed(r).filter((t) => t <= budget).length; // elapsed times only grow
    const atBudget = done > 0 ? `${pct(r.knn[done - 1]!)} (${done})` : `— (0)`;
    return `| ${r.name} | ${r.secondsPerEpoch.toFixed(1)} | ${mib(r.peakBytes)} | ${pct(r.knn.at(-1)!)} | ${atBudget} |`;
  });
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const table = [
    `| method | s / epoch | peak memory (MiB) | kNN after ${epochs} epochs | kNN at ours' wall-clock (epochs done) |`,
    '|---|---|---|---|---|',
    ...rows,
    `| ours / SimCLR | ${ratio(ours.secondsPerEpoch, simclr.secondsPerEpoch)} | ${ratio(ours.peakBytes, simclr.peakBytes)} | | |`,
  ].join('\n');
  const caption =
    `Fashion-MNIST, the first ${images} training images after the seeded shuffle, batch ${batch}, ${epochs} epochs, ` +
    `${arch} width ${width}, SGD lr ${lr} (cosine), seed ${seed}, on ${backend}; ` +
    'ours and NPID as in the ablation, SimCLR with two views per image, NT-Xent at τ 0.5 and a one-hidden-layer MLP head. ' +
    '*s / epoch*: the median over the epochs of the training time (the kNN evaluation after each epoch excluded). ' +
    '*Peak memory*: the most bytes live on the device at once for the method: ' +
    `the images (${mib(dataBytes)} MiB, the same for all), what its trainer keeps between epochs (weights, velocities, bank), ` +
    'and the most its training steps add on top (activations, gradients, kernel workspaces). ' +
    "Not in it: ours' calibration pass before the first step " +
    `(${mib(ours.setupPeakBytes)} MiB at its peak: a forward pass without gradients over blocks of 500 images, ` +
    'as the kNN evaluation after each epoch, excluded for every method). ' +
    "The three run in one process, epoch by epoch in turn, so that the machine's noise falls on all of them alike. " +
    `*kNN*: weighted kNN top-1 on v (k 200) over the ${testImages} test images, the training images as the bank. ` +
    `*At ours' wall-clock*: the kNN after the last epoch each method finished within ours' total training time, ${budget.toFixed(1)} s ` +
    '(calibration included, evaluation excluded); in brackets the epochs it finished by then. Every run follows the cosine schedule of ' +
    `all ${epochs} epochs, so one cut short is not a run scheduled for that time; NPID, if faster, is not run past ${epochs} epochs.`;
  writeFileSync(join(out, 'overhead.md'), `${table}\n\n${caption}\n`);
  writeFileSync(join(out, 'overhead.svg'), knnPlot(results, epochs));
  console.log(`\n${table}\n\n${caption}\n\n${join(out, 'overhead.md')}, ${join(out, 'overhead.svg')}, ${join(out, 'results.json')}`);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
