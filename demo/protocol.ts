// The messages between the demo page and its training worker. The page never touches the
// engine: it sends requests (each answered once, by id) and hears a stream of events.

import type { TrainConfig } from '../src/method/train.js';

/**
 * Where the images come from: the demo server's /data/, IDX files the user picked, or a folder
 * of PNG and JPEG pictures the user picked or dropped (names: paths in it), resized to size×size.
 */
export type DataSource =
  | { kind: 'server' }
  | { kind: 'files'; files: { name: string; bytes: ArrayBuffer }[] }
  | { kind: 'pictures'; files: { name: string; bytes: ArrayBuffer }[]; size: number };

export interface DataOptions {
  source: DataSource;
  /** Training images: the first N after the seeded shuffle (0: all). */
  subset: number;
  /** Test images: the first N of the test split (0: all 10,000). */
  testSubset: number;
  seed: number;
}

export type Request =
  | { op: 'init'; backend: 'auto' | 'webgpu' | 'wasm'; threads?: number }
  | { op: 'load-data'; data: DataOptions }
  /** A fresh run (calibrated first when config.init is 'calibrate'). Trains until paused,
   *  stopped, finished, or `steps` steps (a test's short run); answered when it ends. */
  | { op: 'train'; config: Partial<TrainConfig>; steps?: number }
  | { op: 'continue'; steps?: number }
  | { op: 'pause' }
  | { op: 'stop' }
  | { op: 'evaluate' }
  | { op: 'save' }
  | { op: 'restore'; bytes: ArrayBuffer }
  | { op: 'neighbours'; test: number; k: number }
  /** Every training and test image's h and v with its name (a picture's path; an IDX image's split and index). */
  | { op: 'embeddings'; format: '.csv' | '.jsonl' };

export interface Answers {
  init: { backend: string; kind: 'webgpu' | 'wasm'; notice: string | null };
  'load-data': ImagesEvent;
  train: { reason: 'paused' | 'stopped' | 'finished' | 'steps'; losses: number[] };
  continue: Answers['train'];
  pause: null;
  stop: null;
  evaluate: { knnV: number; knnH: number };
  save: { bytes: ArrayBuffer; name: string };
  restore: { epoch: number; config: TrainConfig };
  neighbours: { test: number; train: number[]; similarities: number[] };
  embeddings: { bytes: ArrayBuffer; name: string; count: number };
}

/** The pixels the page draws (training subset and test images) with their labels. */
export interface ImagesEvent {
  /** Which images these are (the subset depends on the seed). */
  key: Omit<DataOptions, 'source'>;
  train: { pixels: Uint8Array; labels: Uint8Array; count: number };
  test: { pixels: Uint8Array; labels: Uint8Array; count: number };
  height: number;
  width: number;
  /** Planes per image (1 or 3), each plane after the other in `pixels`. */
  channels: number;
  /** The class of each label (Fashion-MNIST's, or a folder's subfolders); empty when the images have none. */
  classes: string[];
}

export type Event =
  | { event: 'step'; epoch: number; epochs: number; step: number; stepsPerEpoch: number; loss: number | null; imagesPerSecond: number }
  /** The worker now trains on other images (a run or checkpoint with another seed or subset). */
  | ({ event: 'images' } & ImagesEvent)
  | { event: 'epoch'; epoch: number; epochs: number; loss: number; seconds: number; knnV: number; knnH: number }
  /** The checkpoint at the end of an epoch that is not the run's last, for the page to autosave. */
  | { event: 'checkpoint'; epoch: number; epochs: number; bytes: ArrayBuffer }
  /** The memory bank's rows projected on their top two principal axes (PCA on the device). */
  | { event: 'bank'; epoch: number; points: Float32Array; labels: Uint8Array }
  | { event: 'status'; text: string }
  | { event: 'state'; state: 'idle' | 'training' | 'paused' | 'finished' };

export type RequestMessage = { id: number } & Request;
export type AnswerMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
export type WorkerMessage = AnswerMessage | Event;

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
