// The demo's training worker: it owns the engine (WebGPU when the page asks for it or a
// hardware GPU is there, WebAssembly otherwise), the data and the Trainer, so the page stays
// responsive. Requests arrive one at a time per id; pause and stop are honoured after the
// current step, because every step yields to the message queue.

import { init } from '../src/browser.js';
import { readRunCheckpoint } from '../src/checkpoint.js';
import type { LabelledImages } from '../src/data/idx.js';
import { channelStats } from '../src/data/images.js';
import { fetchSplit, splitFromFiles } from '../src/data/web-files.js';
import { picturesFromFiles } from '../src/data/web-pictures.js';
import type { Backend } from '../src/engine/backend.js';
import { encodeTensorFile } from '../src/engine/io/tensor-file.js';
import type { Tensor } from '../src/engine/tensor.js';
import { encodeEmbeddings } from '../src/formats/embeddings.js';
import { type DeviceImages, holdOut, prepareData, subsetOrder } from '../src/method/data.js';
import { encodeSet } from '../src/method/embedding.js';
import { DivergenceError } from '../src/method/guard.js';
import { nearest } from '../src/method/knn.js';
import { project2d } from '../src/method/pca.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../src/method/train.js';
import {
  type Answers,
  CLASS_NAMES,
  type DataOptions,
  type DataSource,
  type Event,
  type ImagesEvent,
  type Request,
  type RequestMessage,
} from './protocol.js';

interface Scope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<RequestMessage>) => void) | null;
}
const host = self as unknown as Scope;
const emit = (event: Event, transfer: Transferable[] = []) => host.postMessage(event, transfer);

let backend: Backend | null = null;
let splits: { train: LabelledImages; test: LabelledImages } | null = null;
/** The loaded images' class names (empty: none to evaluate with) and, for pictures, each split's names. */
let about: { classes: string[]; names?: { train: string[]; test: string[] } } = { classes: CLASS_NAMES };
/** Whether kNN has labels to score (a folder without subfolders has none). */
const labelled = () => about.classes.length > 0;
let data: { options: DataOptions; train: DeviceImages; test: DeviceImages } | null = null;
let trainer: Trainer | null = null;
/** Features of the current model for retrieval; dropped whenever the model changes. */
let features: { train: Tensor; test: Tensor } | null = null;
let control: 'run' | 'pause' | 'stop' = 'run';
let running = false;

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(what);
  return value;
}

function forgetFeatures(): void {
  features?.train.dispose();
  features?.test.dispose();
  features = null;
}

/**
 * The images on the device for these options (the subset depends on the seed); the page
 * hears of a change unless `quiet` (load-data answers with the images itself).
 */
function useData(options: DataOptions, quiet = false): { train: DeviceImages; test: DeviceImages } {
  const same =
    data && data.options.subset === options.subset && data.options.seed === options.seed && data.options.testSubset === options.testSubset;
  if (same) return data!;
  const { train, test } = need(splits, 'no data loaded');
  forgetFeatures();
  trainer?.dispose();
  trainer = null;
  for (const set of [data?.train, data?.test]) set?.images.dispose();
  data = { options, ...prepareData(train, test, need(backend, 'not initialised'), options) };
  if (!quiet) {
    const event = images(options);
    emit({ event: 'images', ...event }, [event.train.pixels.buffer, event.test.pixels.buffer]);
  }
  return data;
}

function images(options: DataOptions): ImagesEvent {
  const { train, test } = need(splits, 'no data loaded');
  const channels = train.channels ?? 1;
  const plane = channels * train.height * train.width;
  const pick = subsetOrder(train.count, options.subset, options.seed);
  const trainPixels = new Uint8Array(pick.length * plane);
  for (const [i, source] of pick.entries()) trainPixels.set(train.pixels.subarray(source * plane, (source + 1) * plane), i * plane);
  const testCount = Math.min(options.testSubset || test.count, test.count);
  return {
    key: { subset: options.subset, testSubset: options.testSubset, seed: options.seed },
    train: { pixels: trainPixels, labels: Uint8Array.from(pick, (i) => train.labels[i]!), count: pick.length },
    test: { pixels: test.pixels.slice(0, testCount * plane), labels: test.labels.slice(0, testCount), count: testCount },
    height: train.height,
    width: train.width,
    channels,
    classes: about.classes,
  };
}

/**
 * A folder's pictures as the two splits, as `npm start -- --images` makes them: with classes, a
 * seeded fifth of each held out for kNN; without, every picture trains (and is the test set,
 * which nothing scores). Normalised by the training pictures' mean and deviation.
 */
async function pictureSplits(source: Extract<DataSource, { kind: 'pictures' }>, seed: number): Promise<void> {
  const skipped: string[] = [];
  const set = await picturesFromFiles(source.files, source.size, (name) => skipped.push(name));
  for (const name of skipped) emit({ event: 'status', text: `skipped ${name}: not a picture this browser decodes` });
  const split = set.classes.length > 0 ? holdOut(set, seed) : null;
  const held = split !== null && split.test.count > 0;
  const train = { ...(held ? split.train : set) };
  Object.assign(train, channelStats(train));
  const test = held ? split.test : train;
  splits = { train, test };
  about = { classes: held ? set.classes : [], names: { train: train.names, test: test.names } };
}

/** A trainer for `config` on the current data (a new model, unless one with this config exists). */
function trainerFor(config: TrainConfig): Trainer {
  if (trainer) return trainer;
  const { train, test } = useData({ ...need(data, 'no data loaded').options, seed: config.seed });
  trainer = new Trainer(config, need(backend, 'not initialised'), train, test);
  return trainer;
}

/** The trainer's checkpoint in the CLI's format. */
async function checkpointOf(t: Trainer): Promise<Uint8Array<ArrayBuffer>> {
  return encodeTensorFile(await t.snapshot({ subset: t.train.count }));
}

async function publishBank(t: Trainer): Promise<void> {
  const points = await project2d(t.bank.rows);
  emit({ event: 'bank', epoch: t.epoch, points, labels: t.train.labels.slice() }, [points.buffer]);
}

/** Trains until paused, stopped, finished, or `steps` more steps. */
async function run(t: Trainer, steps = Infinity): Promise<Answers['train']> {
  control = 'run';
  running = true;
  emit({ event: 'state', state: 'training' });
  const losses: number[] = [];
  let taken = 0,
    reason = 'finished' as Answers['train']['reason']; // set by the step listener
  let window = { start: performance.now(), images: 0 };
  try {
    while (t.epoch < t.config.epochs) {
      const result = await t.trainEpoch(async (done, total, loss) => {
        forgetFeatures();
        taken++;
        window.images += t.imagesAfter(done) - t.imagesAfter(done - 1);
        if (loss !== null) losses.push(loss);
        const seconds = (performance.now() - window.start) / 1000;
        emit({
          event: 'step',
          epoch: t.epoch + 1,
          epochs: t.config.epochs,
          step: done,
          stepsPerEpoch: total,
          loss,
          imagesPerSecond: window.images / Math.max(seconds, 1e-9),
        });
        if (seconds > 5) window = { start: performance.now(), images: 0 };
        await new Promise((resolve) => setTimeout(resolve, 0)); // let pause and stop arrive
        if (taken >= steps) reason = 'steps';
        else if (control !== 'run') reason = control === 'pause' ? 'paused' : 'stopped';
        else return true;
        return false;
      });
      if (!result.complete) break;
      const { knnV, knnH } = labelled() ? await t.evaluate() : { knnV: NaN, knnH: NaN };
      emit({ event: 'epoch', epoch: t.epoch, epochs: t.config.epochs, loss: result.loss, seconds: result.seconds, knnV, knnH });
      await publishBank(t);
      if (t.epoch < t.config.epochs) {
        // for the page to autosave: a finished run has nothing left to resume
        const bytes = await checkpointOf(t);
        emit({ event: 'checkpoint', epoch: t.epoch, epochs: t.config.epochs, bytes: bytes.buffer }, [bytes.buffer]);
      }
      if (reason !== 'finished') break; // the step limit fell on the epoch's last step
    }
  } catch (error) {
    if (!(error instanceof DivergenceError)) throw error;
    // its weights are NaN or exploding: nothing to continue, save or search with
    forgetFeatures();
    t.dispose();
    trainer = null;
    throw new Error(`${error.message}; the model is dropped: start again with a lower learning rate`);
  } finally {
    running = false;
    emit({
      event: 'state',
      state: reason === 'paused' || reason === 'steps' ? 'paused' : t.epoch >= t.config.epochs ? 'finished' : 'idle',
    });
  }
  return { reason, losses };
}

const handlers: { [O in Request['op']]: (request: Extract<Request, { op: O }>) => Promise<Answers[O]> } = {
  async init({ backend: choice, threads }) {
    backend?.destroy();
    let why = '';
    backend = await init({
      backend: choice,
      threads,
      log: (text, reason) => {
        why = reason;
        emit({ event: 'status', text });
      },
    });
    const wasm = backend.kind === 'cpu';
    return {
      backend: backend.description,
      kind: wasm ? 'wasm' : 'webgpu',
      notice: wasm ? `Training on WebAssembly (${why === 'forced' ? 'as asked' : why}).` : null,
    };
  },

  async 'load-data'({ data: options }) {
    const source = options.source;
    if (source.kind === 'pictures') {
      emit({ event: 'status', text: `decoding ${source.files.length} files…` });
      await pictureSplits(source, options.seed);
    } else {
      emit({ event: 'status', text: 'reading Fashion-MNIST…' });
      const read = (split: 'train' | 'test') =>
        source.kind === 'server' ? fetchSplit(new URL('data/', self.location.href).href, split) : splitFromFiles(source.files, split);
      splits = { train: await read('train'), test: await read('test') };
      about = { classes: CLASS_NAMES };
    }
    data = null;
    useData(options, true);
    emit({ event: 'state', state: 'idle' }); // a new data set drops the model
    const subset = `training on ${data!.train.count}, testing on ${data!.test.count}`;
    const { train, test } = need(splits, 'no data loaded');
    const evaluation = labelled() ? `${test.count} test images` : 'no labels (no subfolders), so no kNN';
    emit({ event: 'status', text: `${train.count} training images and ${evaluation}; ${subset}` });
    return images(options);
  },

  async train({ config, steps }) {
    const full: TrainConfig = { ...DEFAULTS, ...config };
    trainer?.dispose();
    trainer = null;
    forgetFeatures();
    const t = trainerFor(full);
    if (full.init === 'calibrate') t.calibrate();
    return run(t, steps);
  },

  async continue({ steps }) {
    return run(need(trainer, 'nothing to continue: start a run first'), steps);
  },

  async pause() {
    control = 'pause';
    return null;
  },
  async stop() {
    control = 'stop';
    if (!running) emit({ event: 'state', state: 'idle' }); // a paused run ends here
    return null;
  },

  async evaluate() {
    const t = need(trainer, 'no model: train or load a checkpoint first');
    return labelled() ? t.evaluate() : { knnV: NaN, knnH: NaN };
  },

  async embeddings({ format }) {
    const t = need(trainer, 'no model: train or load a checkpoint first');
    const { options } = need(data, 'no data loaded');
    // the training images in the order they were uploaded (the seeded subset), then the test images
    const order = subsetOrder(need(splits, 'no data loaded').train.count, options.subset, options.seed);
    const names = about.names
      ? [...Array.from(order, (i) => about.names!.train[i]!), ...about.names.test.slice(0, t.test.count)]
      : [...Array.from(order, (i) => `train/${i}`), ...Array.from({ length: t.test.count }, (_, i) => `test/${i}`)];
    const sets = labelled() ? [t.train, t.test] : [t.train]; // without labels the test set is the training set
    const h: number[] = [],
      v: number[] = [];
    for (const set of sets) {
      const embedded = encodeSet(t.encoder, set);
      h.push(...(await embedded.h.data()));
      v.push(...(await embedded.v.data()));
      embedded.h.dispose();
      embedded.v.dispose();
    }
    const rows = sets.reduce((n, set) => n + set.count, 0);
    const [[name, bytes]] = encodeEmbeddings(`embeddings${format}`, {
      names: names.slice(0, rows),
      h: Float32Array.from(h),
      hDim: t.encoder.backbone.features,
      v: Float32Array.from(v),
      vDim: t.config.dim,
    }) as [[string, Uint8Array<ArrayBuffer>]];
    return { bytes: bytes.buffer, name, count: rows };
  },

  async save() {
    const t = need(trainer, 'no model to save: train or load a checkpoint first');
    return { bytes: (await checkpointOf(t)).buffer, name: `sslgpu-epoch${t.epoch}.sslgpu` };
  },

  async restore({ bytes }) {
    const view = new Uint8Array(bytes);
    const { config, subset } = readRunCheckpoint(view, 'the checkpoint');
    trainer?.dispose();
    trainer = null;
    forgetFeatures();
    useData({ ...need(data, 'no data loaded').options, subset, seed: config.seed });
    const t = trainerFor(config);
    t.restore(view, 'the checkpoint');
    await publishBank(t);
    emit({ event: 'state', state: t.epoch >= t.config.epochs ? 'finished' : 'paused' });
    return { epoch: t.epoch, config: t.config };
  },

  async neighbours({ test, k }) {
    const t = trainerFor({ ...DEFAULTS, seed: need(data, 'no data loaded').options.seed });
    if (!features) {
      const a = t.embed(t.train),
        b = t.embed(t.test);
      a.h.dispose();
      b.h.dispose();
      features = { train: a.v, test: b.v };
    }
    const query = features.test.slice([test, 0], [1, features.test.shape[1]!]);
    try {
      const { index, similarity } = await nearest(features.train, query, k);
      return { test, train: index, similarities: similarity };
    } finally {
      query.dispose();
    }
  },
};

// One request at a time, except pause and stop, which must reach a running `train`.
let queue: Promise<unknown> = Promise.resolve();
host.onmessage = ({ data: message }) => {
  const { id, ...request } = message;
  const handle = () => (handlers[request.op] as (r: Request) => Promise<unknown>)(request as Request);
  const answer = request.op === 'pause' || request.op === 'stop' ? handle() : (queue = queue.then(handle, handle));
  answer.then(
    (value) => host.postMessage({ id, ok: true, value }, transferables(value)),
    (error: Error) => host.postMessage({ id, ok: false, error: error.message ?? String(error) }),
  );
};

function transferables(value: unknown): Transferable[] {
  if (value && typeof value === 'object' && 'bytes' in value && value.bytes instanceof ArrayBuffer) return [value.bytes];
  return [];
}
