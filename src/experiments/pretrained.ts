// What the labels and transfer experiments share: the pre-trained Fashion-MNIST networks (ours,
// NPID, SimCLR and the supervised reference at one base setting), each trained once into
// <dir>/<method>/checkpoint.sslgpu (default runs/pretrained) and resumed or reused from there by
// either experiment (one after the other: run at once, both would train the same network); a
// checkpoint made at another setting is refused rather than continued. Also the experiments'
// results.json (refused when made with other options), the trainer a finished run leaves, and
// the time a plan will take, from a few timed steps of each trainer.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readRunCheckpoint } from '../checkpoint.js';
import { type DeviceData, makeTrainer, runTraining } from '../cli/session.js';
import { readFileBytes } from '../engine/io/node-files.js';
import { decodeTensorFile } from '../engine/io/tensor-file.js';
import * as ops from '../engine/ops/index.js';
import type { Tensor } from '../engine/tensor.js';
import { batchCount } from '../method/data.js';
import type { EncoderTrainer } from '../method/encoder-trainer.js';
import { type FlagValues, type Method, type RunSetting, resolveSetting } from '../settings.js';
import { baseWords } from './base.js';

export const DEFAULT_PRETRAINED_DIR = 'runs/pretrained';

/** The networks pre-trained on Fashion-MNIST, by their names in the tables. */
export const PRETRAINED: { name: string; method: Method }[] = [
  { name: 'ours', method: 'ours' },
  { name: 'NPID', method: 'npid' },
  { name: 'SimCLR', method: 'simclr' },
  { name: 'supervised', method: 'supervised' },
];

export interface PretrainedRun {
  name: string;
  /** The base it was pre-trained at, and the setting that makes of it with its method. */
  base: FlagValues;
  setting: RunSetting;
  checkpoint: string;
}

/** The pre-training of `method` at the base: its setting and where its checkpoint is. */
export function pretrainedRun(name: string, method: Method, base: FlagValues, dir: string): PretrainedRun {
  return { name, base, setting: resolveSetting({ ...base, method }), checkpoint: join(dir, method, 'checkpoint.sslgpu') };
}

/**
 * Epochs the run's checkpoint has trained (0 where there is none yet), after checking that it
 * was made at this setting on `trainCount` images. The trainer's own check lets the epochs
 * differ (a run may be continued further); here they may not.
 */
function pretrainedEpochs(run: PretrainedRun, trainCount: number): number {
  const path = run.checkpoint;
  if (!existsSync(path)) return 0;
  const { config, subset, meta } = readRunCheckpoint(readFileBytes(path), path);
  const saved = config as unknown as Record<string, unknown>,
    wanted = run.setting.config as unknown as Record<string, unknown>;
  const differ = Object.keys(wanted).filter((key) => saved[key] !== wanted[key]);
  const list = (from: Record<string, unknown>) => differ.map((key) => `${key} = ${JSON.stringify(from[key])}`).join(', ');
  if (differ.length > 0)
    throw new Error(`${path}: pre-trained with ${list(saved)}, this --base has ${list(wanted)}; use another --pretrained`);
  if (subset !== trainCount)
    throw new Error(`${path}: pre-trained on ${subset} images, this --base has ${trainCount}; use another --pretrained`);
  return typeof meta.epoch === 'number' ? meta.epoch : 0;
}

/** A trainer of the setting on `data`, with the state of the checkpoint at `path`. */
export function restored(setting: RunSetting, data: DeviceData, path: string): EncoderTrainer {
  const trainer = makeTrainer(setting, data.backend, data.train, data.test);
  try {
    trainer.restore(readFileBytes(path), path);
  } catch (error) {
    trainer.dispose();
    throw error;
  }
  return trainer;
}

/** Trains the pre-trained network, or resumes it, or finds it finished, on `data` (the base's Fashion-MNIST). */
export async function pretrain(run: PretrainedRun, data: DeviceData): Promise<void> {
  pretrainedEpochs(run, data.train.count);
  await runTraining(run.setting, data, { out: dirname(run.checkpoint), resume: true, probe: false, label: `pre-training ${run.name}` });
}

/**
 * RunOptions.prepare for a fine-tune: the backbone's weights and BatchNorm statistics from a
 * pre-trained checkpoint (its head, bank and velocities stay behind).
 */
export function backboneFrom(path: string): (trainer: EncoderTrainer) => void {
  return (trainer) => {
    const prefix = 'backbone.';
    const state = new Map<string, Tensor>();
    try {
      for (const t of decodeTensorFile(readFileBytes(path), path).tensors) {
        if (t.name.startsWith(prefix))
          state.set(t.name.slice(prefix.length), ops.tensor(t.data, t.shape, { dtype: t.dtype, backend: trainer.backend }));
      }
      trainer.encoder.backbone.loadStateDict(state);
    } finally {
      for (const t of state.values()) t.dispose();
    }
  };
}

/** Seconds of one training step of the setting's trainer on `data`: a throwaway trainer, a warm-up step, then `steps` timed. */
async function stepSeconds(setting: RunSetting, data: DeviceData, steps = 2): Promise<number> {
  const trainer = makeTrainer(setting, data.backend, data.train, data.test);
  try {
    const index = Int32Array.from({ length: Math.min(setting.config.batch, data.train.count) }, (_, i) => i);
    let start = 0;
    for (let s = 0; s <= steps; s++) {
      if (s === 1) start = performance.now();
      const loss = trainer.step(index, s);
      await loss.item();
      loss.dispose();
    }
    return (performance.now() - start) / 1000 / steps;
  } finally {
    trainer.dispose();
  }
}

/** What an experiment's plan says of its pre-trained networks, and the units its time is reckoned in. */
export interface PretrainingPlan {
  /** Seconds of a supervised training step at the base (a fine-tune's). */
  step: number;
  /**
   * Seconds of an image's forward pass, what evaluation costs an image: a third of a step's
   * share (forward and backward make about three forward passes).
   */
  forward: number;
  /** Seconds of pre-training still to do: steps and kNN evaluations. */
  seconds: number;
  /** "ours 15/15 epochs, NPID 3/15 epochs…" */
  summary: string;
}

/**
 * Checks every run's checkpoint against the base (pretrainedEpochs: refused now, not after
 * hours) and reckons the time of those `needed` from a few timed steps of each trainer on
 * `data`, the base's images. Nothing is timed where `timed` is false (nothing left to do).
 */
export async function planPretraining(
  runs: PretrainedRun[],
  needed: PretrainedRun[],
  data: DeviceData,
  timed: boolean,
): Promise<PretrainingPlan> {
  const trained = runs.map((run) => pretrainedEpochs(run, data.train.count));
  const supervised = resolveSetting({ ...runs[0]!.base, method: 'supervised' });
  const step = timed ? await stepSeconds(supervised, data) : 0;
  const forward = step / supervised.config.batch / 3;
  const [train, test] = [data.train.count, data.test.count];
  let seconds = 0;
  for (const [i, { setting }] of runs.entries()) {
    const { epochs, batch } = setting.config;
    if (!needed.includes(runs[i]!) || trained[i]! >= epochs) continue;
    const stepOf = await stepSeconds(setting, data);
    for (let e = trained[i]! + 1; e <= epochs; e++)
      seconds += batchCount(train, batch) * stepOf + (e % setting.evalEvery === 0 || e === epochs ? (train + test) * forward : 0);
  }
  const summary = runs.map((run, i) => `${run.name} ${trained[i]}/${run.setting.config.epochs} epochs`).join(', ');
  return { step, forward, seconds, summary };
}

/** The pre-training setting as a table's caption says it: `npm start`'s unless --base changed it. */
export const pretrainingBase = (base: FlagValues) =>
  Object.keys(base).length === 0 ? "npm start's setting" : `--base "${baseWords(base)}"`;
