// A training run's checkpoint as the command line and the page write it: the trainer's
// snapshot (EncoderTrainer.snapshot) with what the run was beside it. `eval` and the page
// build their trainer from a checkpoint's metadata before restore() can compare anything, so
// that metadata is checked here first, against the training flags' schema, with the file named.

import type { Backend } from './engine/backend.js';
import { decodeTensorFile } from './engine/io/tensor-file.js';
import { tensor } from './engine/ops/creation.js';
import { formatShape, sameShape } from './engine/ops/util.js';
import { Generator } from './engine/random.js';
import type { Tensor } from './engine/tensor.js';
import { IMPLIED_SETTINGS } from './method/config.js';
import { FASHION_MNIST_FORMAT, type ImageFormat, readImageFormat } from './method/data.js';
import { Encoder } from './method/encoder.js';
import { DEFAULTS, type TrainConfig } from './method/train.js';
import { type Method, parseFlag, TRAIN_FLAGS, type TrainFlag } from './settings.js';

/** What a run's checkpoint says the run was. */
export interface RunCheckpoint {
  /** The method (absent in checkpoints that the page wrote, and in older ones). */
  method?: Method;
  config: TrainConfig;
  /** Training images the run had. */
  subset: number;
  /** The whole metadata, as written (the command line keeps its history and baselines there). */
  meta: Record<string, unknown>;
}

/** The settings no flag sets, with their ranges. */
const FIXED: Partial<Record<keyof TrainConfig, { min: number; max: number; integer: boolean }>> = {
  momentum: { min: 0, max: 1, integer: false },
  weightDecay: { min: 0, max: 1, integer: false },
  dim: { min: 1, max: 65536, integer: true },
  logEvery: { min: 1, max: 1e9, integer: true },
};

const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) as TrainFlag;

/** What is wrong with one setting of a checkpoint's configuration, or null. */
function settingProblem(key: keyof TrainConfig, value: unknown): string | null {
  if (typeof value !== typeof DEFAULTS[key]) return `has no valid ${key} (${JSON.stringify(value) ?? 'none'})`;
  const fixed = FIXED[key];
  if (fixed) {
    const x = value as number;
    const fits = Number.isFinite(x) && x >= fixed.min && x <= fixed.max && (!fixed.integer || Number.isInteger(x));
    return fits ? null : `has ${key} = ${x}, outside [${fixed.min}, ${fixed.max}]`;
  }
  try {
    parseFlag(flagOf(key), String(value));
    return null;
  } catch (error) {
    return `has ${key} = ${value}, which a run cannot have (${(error as Error).message})`;
  }
}

/** Decodes a run's checkpoint and checks what a trainer is built from: configuration, method, subset. */
export function readRunCheckpoint(bytes: Uint8Array, source: string): RunCheckpoint {
  const { meta } = decodeTensorFile(bytes, source);
  const refuse = (problem: string) => new Error(`${source}: ${problem}`);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw refuse('holds no metadata of a training run');
  const fields = meta as Record<string, unknown>;
  const { config, method, subset } = fields;
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw refuse('holds no training configuration (not a checkpoint of a training run)');
  const settings = { ...IMPLIED_SETTINGS, ...config } as Record<string, unknown>;
  for (const key of Object.keys(DEFAULTS) as (keyof TrainConfig)[]) {
    const problem = settingProblem(key, settings[key]);
    if (problem) throw refuse(`its configuration ${problem}`);
  }
  const unknown = Object.keys(settings).filter((key) => !(key in DEFAULTS));
  if (unknown.length > 0) throw refuse(`its configuration has settings this version does not know: ${unknown.join(', ')}`);
  if (method !== undefined && !(typeof method === 'string' && TRAIN_FLAGS.method.kind.choice.includes(method as Method)))
    throw refuse(`was trained with an unknown method ${JSON.stringify(method)}`);
  if (!Number.isSafeInteger(subset) || (subset as number) < 1)
    throw refuse(`its number of training images is ${JSON.stringify(subset) ?? 'missing'}`);
  return { method: method as Method | undefined, config: settings as unknown as TrainConfig, subset: subset as number, meta: fields };
}

/** The shape and normalisation of the images a run's checkpoint was trained on (Fashion-MNIST's where it does not say). */
export function checkpointFormat(run: RunCheckpoint, source: string): ImageFormat {
  const format = run.meta.images === undefined ? FASHION_MNIST_FORMAT : readImageFormat(run.meta.images);
  if (!format) throw new Error(`${source}: its image format ${JSON.stringify(run.meta.images)} is damaged`);
  return format;
}

/** A checkpoint's encoder on its own, and what it was trained on. */
export interface CheckpointEncoder extends RunCheckpoint {
  /** The checkpoint's weights and BatchNorm statistics, in evaluation mode. */
  encoder: Encoder;
  /** The shape and normalisation of the images it was trained on (absent in older checkpoints: Fashion-MNIST's). */
  format: ImageFormat;
  epoch: number;
}

/**
 * The encoder of a run's checkpoint, restored on `backend` without the rest of its trainer (the
 * memory bank, the velocities): for embedding, searching and exporting. Every tensor of the
 * encoder must be in the file with its dtype and shape, and finite.
 */
export function readEncoder(bytes: Uint8Array, source: string, backend: Backend): CheckpointEncoder {
  const run = readRunCheckpoint(bytes, source);
  const refuse = (problem: string) => new Error(`${source}: ${problem}`);
  const format = checkpointFormat(run, source);
  const { epoch } = run.meta;
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 0) throw refuse(`its epoch ${JSON.stringify(epoch)} is damaged`);
  const saved = new Map(decodeTensorFile(bytes, source).tensors.map((t) => [t.name, t]));
  const encoder = new Encoder({ ...run.config, inChannels: format.channels, backend, generator: new Generator(run.config.seed) });
  const loaded = new Map<string, Tensor>();
  try {
    for (const [name, like] of encoder.stateDict()) {
      const t = saved.get(name);
      if (!t) throw refuse(`no tensor ${name} (not a checkpoint of this encoder)`);
      if (t.dtype !== like.dtype || !sameShape(t.shape, like.shape))
        throw refuse(`${name} is ${t.dtype}${formatShape(t.shape)}, the encoder has ${like.dtype}${formatShape(like.shape)}`);
      if (t.data instanceof Float32Array && !t.data.every(Number.isFinite)) throw refuse(`tensor ${name} holds non-finite values`);
      loaded.set(name, tensor(t.data, t.shape, { dtype: t.dtype, backend }));
    }
    encoder.loadStateDict(loaded);
  } catch (error) {
    encoder.dispose();
    throw error;
  } finally {
    for (const t of loaded.values()) t.dispose();
  }
  return { ...run, encoder: encoder.eval(), format, epoch: epoch as number };
}
