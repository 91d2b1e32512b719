// The demo page: a form for the training configuration, buttons that drive the training
// worker, live charts of its event stream, nearest-neighbour retrieval on the test images,
// and an autosave of the run in progress that a reload offers to resume. The page never
// touches the engine; everything goes through TrainingClient.

import { DEFAULTS, PRESETS, type TrainConfig } from '../src/method/train.js';
import { formatDuration } from '../src/numbers.js';
import { parseFlag, TRAIN_FLAGS } from '../src/settings.js';
import { type Autosave, AutosaveStore, type Curves } from './autosave.js';
import { LineChart, PALETTE, renderLegend, ScatterPlot } from './charts.js';
import { TrainingClient } from './client.js';
import { crossOriginIsolate } from './isolate.js';
import { type Answers, CLASS_NAMES, type DataOptions, type DataSource, type Event, type ImagesEvent } from './protocol.js';

/** The test hook (browser tests drive the page through it). */
export interface DemoHook {
  /** The init answer, once init and the first data load are done; rejects on error. */
  ready: Promise<Answers['init']>;
  client: TrainingClient;
  train(config: Partial<TrainConfig>, steps?: number): Promise<Answers['train']>;
  evaluate(): Promise<Answers['evaluate']>;
  save(): Promise<Uint8Array>;
  restore(bytes: Uint8Array): Promise<Answers['restore']>;
  /** Every line the log area showed (errors prefixed with "error: "). */
  log: string[];
  /** The autosaved run once pending saves are done (null: none), and the storage it is in. */
  autosaved(): Promise<{ epoch: number; epochs: number; where: string } | null>;
  /** The points of the loss and kNN charts. */
  charts(): { loss: Curves; knn: Curves };
}

declare global {
  interface Window {
    demo: DemoHook;
  }
}

type UiState = 'loading' | Extract<Event, { event: 'state' }>['state'];
type DataKey = Omit<DataOptions, 'source'>;

const GALLERY_SIZE = 48;
const NEIGHBOURS = 8;
const LOG_LINES = 300;

// ---------------------------------------------------------------- elements

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

const ui = {
  backend: byId('backend'),
  state: byId('state'),
  notice: byId('notice'),
  offer: byId('resume-offer'),
  offerTitle: byId('resume-offer-title'),
  offerText: byId('resume-offer-text'),
  offerAccept: byId<HTMLButtonElement>('resume-offer-accept'),
  offerDiscard: byId<HTMLButtonElement>('resume-offer-discard'),
  form: byId<HTMLFormElement>('config'),
  settings: byId<HTMLFieldSetElement>('settings'),
  preset: byId<HTMLSelectElement>('preset'),
  subset: byId<HTMLInputElement>('subset'),
  testSubset: byId<HTMLInputElement>('testSubset'),
  dataFiles: byId<HTMLInputElement>('data-files'),
  dataGroup: byId('data-group'),
  pictureFolder: byId<HTMLInputElement>('picture-folder'),
  pictureSize: byId<HTMLInputElement>('picture-size'),
  embeddings: byId<HTMLButtonElement>('embeddings'),
  dataInfo: byId('data-info'),
  start: byId<HTMLButtonElement>('start'),
  pause: byId<HTMLButtonElement>('pause'),
  resume: byId<HTMLButtonElement>('resume'),
  stop: byId<HTMLButtonElement>('stop'),
  save: byId<HTMLButtonElement>('save'),
  restore: byId<HTMLInputElement>('restore'),
  progress: byId('progress'),
  progressBar: byId<HTMLProgressElement>('progress-bar'),
  knnResult: byId('knn-result'),
  log: byId('log'),
  gallery: byId('gallery'),
  neighbours: byId('neighbours'),
};

const charts = {
  loss: new LineChart(byId<HTMLCanvasElement>('loss-chart'), 'Loss per step', [{ name: 'loss', color: '#2563eb' }], {
    placeholder: 'starts with training',
  }),
  rate: new LineChart(byId<HTMLCanvasElement>('rate-chart'), 'Images per second', [{ name: 'images/s', color: '#059669' }], {
    placeholder: 'starts with training',
  }),
  knn: new LineChart(
    byId<HTMLCanvasElement>('knn-chart'),
    'Weighted kNN top-1 per epoch',
    [
      { name: 'on v (head output)', color: '#7c3aed', dots: true },
      { name: 'on h (backbone features)', color: '#ea580c', dots: true },
    ],
    { formatY: (v) => `${Math.round(v * 100)} %`, placeholder: 'after the first epoch', integerX: true },
  ),
  bank: new ScatterPlot(byId<HTMLCanvasElement>('bank-chart'), 'Memory bank, top two principal axes', PALETTE, 'after the first epoch'),
};
renderLegend(byId('knn-legend'), charts.knn.series);
/** The bank chart's legend: a colour a class (none for images without classes). */
const renderClasses = (classes: string[]) =>
  renderLegend(
    byId('bank-legend'),
    classes.map((name, i) => ({ name, color: PALETTE[i % PALETTE.length]! })),
  );
renderClasses(CLASS_NAMES);

// ---------------------------------------------------------------- URL parameters

function readParams() {
  const query = new URLSearchParams(location.search);
  const number = (name: string): number | undefined => {
    const text = query.get(name);
    const value = text === null || text.trim() === '' ? NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const choice = query.get('backend');
  const backend: 'auto' | 'webgpu' | 'wasm' = choice === 'webgpu' || choice === 'wasm' ? choice : 'auto';
  return {
    backend,
    threads: number('threads'),
    subset: number('subset') ?? 2000,
    testSubset: number('testSubset') ?? 1000,
    seed: number('seed') ?? 0,
  };
}

// ---------------------------------------------------------------- the form

const NUMBER_FIELDS = ['epochs', 'batch', 'lr', 'tau', 'lambda', 'm', 'width', 'negatives', 'cutmix', 'seed'] as const;
const CHOICE_FIELDS = ['head', 'init', 'update'] as const;
type PresetName = keyof typeof PRESETS;

const field = (name: string) => ui.form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

/** The fields take their ranges and help from the CLI's flag table (src/settings.ts). */
function applySchema(): void {
  for (const name of NUMBER_FIELDS) {
    const input = field(name) as HTMLInputElement;
    const { help, kind } = TRAIN_FLAGS[name];
    const [min, max] = 'integer' in kind ? kind.integer : kind.number;
    Object.assign(input, { min: String(min), max: String(max), step: 'integer' in kind ? '1' : 'any', title: help });
  }
}

/** Checks every number field as the CLI checks its flag; the browser shows the first message. */
function validateForm(): boolean {
  for (const name of NUMBER_FIELDS) {
    const input = field(name) as HTMLInputElement;
    try {
      parseFlag(name, input.value);
      input.setCustomValidity('');
    } catch (error) {
      input.setCustomValidity((error as Error).message);
    }
  }
  return ui.form.reportValidity();
}

function writeConfig(config: TrainConfig): void {
  for (const name of NUMBER_FIELDS) field(name).value = String(config[name]);
  for (const name of CHOICE_FIELDS) field(name).value = config[name];
  matchPreset();
}

/** The form's configuration, on top of DEFAULTS for what the form does not show. */
function readConfig(): TrainConfig {
  const config: TrainConfig = { ...DEFAULTS };
  for (const name of NUMBER_FIELDS) config[name] = Number(field(name).value);
  config.head = field('head').value as TrainConfig['head'];
  config.init = field('init').value as TrainConfig['init'];
  config.update = field('update').value as TrainConfig['update'];
  return config;
}

function applyPreset(name: string): void {
  if (!(name in PRESETS)) return; // "custom": leave the fields as they are
  const preset = PRESETS[name as PresetName];
  field('init').value = preset.init;
  field('update').value = preset.update;
  field('lambda').value = String(preset.lambda);
}

/** Shows which preset the init/update/λ fields match, or "custom". */
function matchPreset(): void {
  const config = readConfig();
  const match = (Object.keys(PRESETS) as PresetName[]).find((name) => {
    const p = PRESETS[name];
    return p.init === config.init && p.update === config.update && p.lambda === config.lambda;
  });
  ui.preset.value = match ?? 'custom';
}

function dataKeyOfForm(seed: number): DataKey {
  return { subset: Number(ui.subset.value), testSubset: Number(ui.testSubset.value), seed };
}

// ---------------------------------------------------------------- log and progress

const logLines: string[] = [];

function log(text: string, kind: 'info' | 'error' = 'info'): void {
  logLines.push(kind === 'error' ? `error: ${text}` : text);
  const atBottom = ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 4;
  const line = document.createElement('div');
  line.className = `log-line ${kind}`;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString([], { hour12: false });
  line.append(time, text);
  ui.log.append(line);
  while (ui.log.childElementCount > LOG_LINES) ui.log.firstElementChild!.remove();
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight; // follow the log unless the reader scrolled up
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs a button's action; a failure goes to the log in red instead of an unhandled rejection. */
function attempt(action: () => Promise<unknown>): void {
  action().catch((error) => log(messageOf(error), 'error'));
}

const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : '—');

// ---------------------------------------------------------------- state

const params = readParams();
const worker = new Worker('./worker.js', { type: 'module' });
const client = new TrainingClient(worker);
// the client rejects pending requests on a worker error; this says so when none is pending
worker.addEventListener('error', (e) => log(`training worker: ${e.message || 'failed to load'}`, 'error'));

let state: UiState = 'loading';
/** Requests in flight that must not overlap with training (data loads, restores). */
let busy = 0;
/** Whether the worker holds a model (trained, or restored) that save/resume can use. */
let hasModel = false;
/** The configuration of the current run, for the progress line's epochs and ETA. */
let runConfig: TrainConfig = { ...DEFAULTS };
let source: DataSource = { kind: 'server' };
let loaded: DataKey | null = null;
let images: ImagesEvent | null = null;
let lastLoss: number | null = null;

function setState(next: UiState): void {
  state = next;
  refreshControls();
}

function refreshControls(): void {
  const training = state === 'training';
  const free = state !== 'loading' && busy === 0;
  ui.start.disabled = !free || training;
  ui.pause.disabled = !training;
  ui.stop.disabled = !training;
  ui.resume.disabled = !free || state !== 'paused' || !hasModel;
  ui.save.disabled = !free || training || !hasModel;
  ui.embeddings.disabled = !free || training || !hasModel;
  ui.restore.disabled = !free || training;
  ui.settings.disabled = !free || training;
  ui.offerAccept.disabled = ui.offerDiscard.disabled = !free || training;
  ui.state.textContent = state;
  ui.state.dataset.state = state;
  document.body.dataset.state = state;
}

/** Counts a request as busy (buttons off) until it settles. */
async function whileBusy<T>(work: () => Promise<T>): Promise<T> {
  busy++;
  refreshControls();
  try {
    return await work();
  } finally {
    busy--;
    refreshControls();
  }
}

async function withBusy<T>(work: Promise<T>): Promise<T> {
  return whileBusy(() => work);
}

// ---------------------------------------------------------------- worker events

function onEvent(event: Event): void {
  switch (event.event) {
    case 'step':
      onStep(event);
      break;
    case 'epoch':
      onEpoch(event);
      break;
    case 'bank':
      charts.bank.set(event.points, event.labels, `epoch ${event.epoch}, ${event.labels.length} rows`);
      break;
    case 'checkpoint':
      autosaveCheckpoint(event);
      break;
    case 'images':
      showImages(event);
      break;
    case 'status':
      log(event.text);
      break;
    case 'state':
      if (event.state !== 'idle') hasModel = true; // paused and finished both leave a model behind
      setState(event.state);
      break;
  }
}

function onStep(e: Extract<Event, { event: 'step' }>): void {
  hasModel = true;
  const x = (e.epoch - 1) * e.stepsPerEpoch + e.step;
  if (e.loss !== null) {
    lastLoss = e.loss;
    charts.loss.add(0, x, e.loss);
  }
  charts.rate.add(0, x, e.imagesPerSecond);
  const total = e.epochs * e.stepsPerEpoch;
  // the rate covers the last few seconds, so the ETA follows speed changes (evaluation excluded)
  const eta = ((total - x) * runConfig.batch) / e.imagesPerSecond;
  ui.progressBar.max = total;
  ui.progressBar.value = x;
  ui.progress.textContent = [
    `epoch ${e.epoch}/${e.epochs}`,
    `step ${e.step}/${e.stepsPerEpoch}`,
    `${Math.round(e.imagesPerSecond)} images/s`,
    `loss ${lastLoss === null ? '—' : lastLoss.toFixed(4)}`,
    `ETA ${formatDuration(eta)}`,
  ].join(' · ');
}

function onEpoch(e: Extract<Event, { event: 'epoch' }>): void {
  charts.knn.add(0, e.epoch, e.knnV);
  charts.knn.add(1, e.epoch, e.knnH);
  showKnn(e, `epoch ${e.epoch}`);
  const knn = `kNN on v ${percent(e.knnV)}, on h ${percent(e.knnH)}`;
  log(`epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(1)} s, ${knn}`);
}

function showKnn({ knnV, knnH }: { knnV: number; knnH: number }, when: string): void {
  ui.knnResult.textContent = `kNN top-1 (${when}): v ${percent(knnV)} · h ${percent(knnH)}`;
}

client.on(onEvent);

// ---------------------------------------------------------------- data

/** The source to send: picked files are copied, since transferring them empties ours. */
function sendable(): { source: DataSource; transfer: ArrayBuffer[] } {
  if (source.kind === 'server') return { source, transfer: [] };
  const files = source.files.map(({ name, bytes }) => ({ name, bytes: bytes.slice(0) }));
  return { source: { ...source, files }, transfer: files.map((f) => f.bytes) };
}

async function loadData(key: DataKey): Promise<ImagesEvent> {
  return whileBusy(async () => {
    const { source: data, transfer } = sendable();
    const answer = await client.request('load-data', { data: { source: data, ...key } }, transfer);
    // a new data set drops the worker's model
    hasModel = false;
    if (state !== 'loading') setState('idle');
    showImages(answer);
    return answer;
  });
}

/** The images the worker trains on (after a load, or when a run or checkpoint picked others). */
function showImages(set: ImagesEvent): void {
  [loaded, images] = [set.key, set];
  const shape = `${set.channels > 1 ? `${set.channels}×` : ''}${set.width}×${set.height}`;
  const testing = set.classes.length > 0 ? `testing on ${set.test.count}` : 'no classes to test with';
  ui.dataInfo.textContent = `training on ${set.train.count} images, ${testing} (${shape})`;
  charts.bank.clear();
  renderClasses(set.classes);
  renderGallery(set);
}

/** A label's class name, or nothing where the images have no classes. */
const classOf = (set: ImagesEvent, label: number) => set.classes[label] ?? '';

const sameData = (a: DataKey | null, b: DataKey) =>
  a !== null && a.subset === b.subset && a.testSubset === b.testSubset && a.seed === b.seed;

/**
 * A folder of pictures (its files with their paths in it) as the data: all of them train, or
 * with subfolders all but a held-out fifth of each (the form's subsets become 0: all).
 */
async function pickPictures(picked: { path: string; file: File }[]): Promise<void> {
  const files = await Promise.all(picked.map(async ({ path, file }) => ({ name: path, bytes: await file.arrayBuffer() })));
  const size = Number(ui.pictureSize.value);
  if (!(Number.isInteger(size) && size >= 8 && size <= 512 && size % 2 === 0))
    throw new Error(`picture size ${size}: an even number of pixels in [8, 512]`);
  const previous = source;
  source = { kind: 'pictures', files, size };
  ui.subset.value = ui.testSubset.value = '0';
  try {
    const set = await loadData(dataKeyOfForm(Number(field('seed').value)));
    log(`using ${set.train.count + (set.classes.length > 0 ? set.test.count : 0)} pictures of ${files.length} files, ${size}×${size}`);
  } catch (error) {
    source = previous; // keep reloading from what worked
    throw error;
  }
}

/** A picked folder's files, each with its path below the folder (webkitRelativePath less the folder's own name). */
function folderFiles(list: FileList): { path: string; file: File }[] {
  return [...list]
    .map((file) => ({ path: file.webkitRelativePath.split('/').slice(1).join('/') || file.name, file }))
    .filter(({ path }) => !path.split('/').some((part) => part.startsWith('.')));
}

/** The files under a dropped folder (or the dropped files), each with its path below it. */
async function droppedFiles(items: DataTransferItemList): Promise<{ path: string; file: File }[]> {
  const found: { path: string; file: File }[] = [];
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.name.startsWith('.')) return;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      found.push({ path, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, path ? `${path}/${child.name}` : child.name);
      }
    }
  };
  const entries = [...items].map((item) => item.webkitGetAsEntry()).filter((entry) => entry !== null);
  // one folder dropped: paths below it (its subfolders are the classes); files or several folders: paths from here
  const single = entries.length === 1 && entries[0]!.isDirectory;
  for (const entry of entries) await walk(entry, single ? '' : entry.name);
  return found;
}

async function pickDataFiles(list: FileList): Promise<void> {
  const files = await Promise.all([...list].map(async (file) => ({ name: file.name, bytes: await file.arrayBuffer() })));
  const previous = source;
  source = { kind: 'files', files };
  try {
    await loadData(dataKeyOfForm(Number(field('seed').value)));
    log(`using the chosen files: ${files.map((f) => f.name).join(', ')}`);
  } catch (error) {
    source = previous; // keep reloading from what worked
    throw error;
  }
}

// ---------------------------------------------------------------- training

function resetRun(config: TrainConfig): void {
  runConfig = config;
  lastLoss = null;
  charts.loss.clear();
  charts.rate.clear();
  charts.knn.clear();
  ui.progressBar.value = 0;
  ui.progress.textContent = 'starting…';
}

function reportEnd(answer: Answers['train']): Answers['train'] {
  if (answer.reason === 'finished') forgetRun();
  const last = answer.losses.at(-1);
  log(`training ${answer.reason}${last === undefined ? '' : ` (last loss ${last.toFixed(4)})`}`);
  return answer;
}

async function train(config: Partial<TrainConfig>, steps?: number): Promise<Answers['train']> {
  forgetRun(); // a new run replaces the autosaved one
  autosaving = true;
  resetRun({ ...DEFAULTS, ...config });
  writeConfig(runConfig); // the form shows what runs, also when a script started it
  return reportEnd(await client.request('train', { config, steps }));
}

async function startFromForm(): Promise<void> {
  if (!validateForm()) return;
  const config = readConfig();
  const key = dataKeyOfForm(config.seed);
  // the subset depends on the seed: reload so the page's images are the ones trained on
  if (!sameData(loaded, key)) await loadData(key);
  const { epochs, batch, lr, tau, lambda, init, update } = config;
  log(`training: ${epochs} epochs, batch ${batch}, lr ${lr}, τ ${tau}, λ ${lambda}, ${init}/${update}`);
  await train(config);
}

async function resume(): Promise<void> {
  autosaving = true;
  reportEnd(await client.request('continue', {}));
}

async function evaluate(): Promise<Answers['evaluate']> {
  const answer = await client.request('evaluate', {});
  showKnn(answer, 'evaluated');
  log(`kNN top-1 on v ${percent(answer.knnV)}, on h ${percent(answer.knnH)}`);
  return answer;
}

async function save(): Promise<Uint8Array> {
  return new Uint8Array((await client.request('save', {})).bytes);
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the download has started
}

/** Every training and test image's h and v, with its name, as a CSV file. */
async function downloadEmbeddings(): Promise<void> {
  const { bytes, name, count } = await client.request('embeddings', { format: '.csv' });
  download(new Uint8Array(bytes), name);
  log(`saved ${name}: h and v of ${count} images`);
}

async function saveToFile(): Promise<void> {
  const { bytes, name } = await client.request('save', {});
  download(new Uint8Array(bytes), name);
  log(`saved ${name} (${(bytes.byteLength / 1e6).toFixed(1)} MB)`);
}

async function restore(bytes: ArrayBuffer): Promise<Answers['restore']> {
  return whileBusy(async () => {
    const answer = await client.request('restore', { bytes }, [bytes]);
    hasModel = true;
    writeConfig(answer.config);
    resetRun(answer.config);
    ui.progress.textContent = `restored after epoch ${answer.epoch}/${answer.config.epochs}`;
    log(`restored a checkpoint after epoch ${answer.epoch} of ${answer.config.epochs}`);
    return answer;
  });
}

async function restoreFromFile(file: File): Promise<void> {
  forgetRun(); // another model replaces the run
  await restore(await file.arrayBuffer());
  await withBusy(evaluate());
}

// ---------------------------------------------------------------- autosave

/** Where the run in progress is autosaved; null where the browser offers no storage to the page. */
let autosave: AutosaveStore | null = null;
/** Whether the worker's checkpoints are of a run to autosave: one started or continued here and not stopped. */
let autosaving = false;
/** The autosaved run the page offers to resume. */
let offered: Autosave | null = null;

function autosaveCheckpoint(e: Extract<Event, { event: 'checkpoint' }>): void {
  if (!autosave || !autosaving || !loaded) return;
  const record: Autosave = {
    bytes: e.bytes,
    epoch: e.epoch,
    epochs: e.epochs,
    key: loaded,
    files: source.kind !== 'server',
    charts: { loss: charts.loss.data(), knn: charts.knn.data() },
    saved: new Date().toISOString(),
  };
  autosave.save(record).catch((error) => log(`autosave: ${messageOf(error)}`, 'error'));
}

/** The run is over, stopped or replaced: nothing to resume after a reload. */
function forgetRun(): void {
  autosaving = false;
  offered = null;
  ui.offer.hidden = true;
  autosave?.clear().catch((error) => log(`autosave: ${messageOf(error)}`, 'error'));
}

/** After a reload (or a crashed tab): the autosaved run, if there is one, offered for resuming. */
async function offerResume(): Promise<void> {
  try {
    offered = (await autosave?.load()) ?? null;
  } catch (error) {
    log(`${messageOf(error)}; it is discarded`, 'error');
    forgetRun();
    return;
  }
  if (!offered) return;
  const { epoch, epochs, key, files, saved } = offered;
  const when = new Date(saved).toLocaleString([], { hour12: false });
  const images = key.subset === 0 ? 'all training images' : `${key.subset} training images`;
  ui.offerTitle.textContent = `Resume the run from epoch ${epoch + 1} of ${epochs}?`;
  ui.offerText.textContent =
    `Autosaved in this browser (${autosave!.where}) when epoch ${epoch} ended, ${when}; ${images}, seed ${key.seed}.` +
    (files ? ' It trained on files you picked: pick them again before resuming.' : '');
  ui.offer.hidden = false;
  log(`an autosaved run (after epoch ${epoch} of ${epochs}) can be resumed`);
}

/** Restores the autosaved run on its images, draws its charts so far, and trains on. */
async function resumeOffered(): Promise<void> {
  const run = offered;
  if (!run) return;
  ui.offer.hidden = true;
  try {
    if (!sameData(loaded, run.key)) await loadData(run.key);
    await restore(run.bytes.slice(0)); // a copy: restore transfers it, and a failure offers the run again
  } catch (error) {
    ui.offer.hidden = false; // to try again, or discard it
    throw error;
  }
  offered = null;
  charts.loss.setData(run.charts.loss);
  charts.knn.setData(run.charts.knn);
  log(`resuming the autosaved run after epoch ${run.epoch} of ${run.epochs}`);
  await resume();
}

// ---------------------------------------------------------------- retrieval

/** A canvas showing image `index` of `pixels` (count × channels × height × width, 8-bit; 1 channel gray, 3 red, green, blue). */
function thumbnail(pixels: Uint8Array, index: number, set: Pick<ImagesEvent, 'height' | 'width' | 'channels'>): HTMLCanvasElement {
  const { height, width, channels } = set;
  const canvas = Object.assign(document.createElement('canvas'), { width, height });
  const picture = new ImageData(width, height);
  const plane = height * width;
  const at = index * channels * plane;
  for (let i = 0; i < plane; i++) {
    const [r, g, b] = [0, 1, 2].map((c) => pixels[at + Math.min(c, channels - 1) * plane + i]!);
    picture.data.set([r!, g!, b!, 255], 4 * i);
  }
  canvas.getContext('2d')!.putImageData(picture, 0, 0);
  return canvas;
}

function renderGallery(set: ImagesEvent): void {
  const count = Math.min(GALLERY_SIZE, set.test.count);
  ui.gallery.replaceChildren(
    ...Array.from({ length: count }, (_, i) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'thumb';
      button.title = `test image ${i}${set.classes.length > 0 ? `: ${classOf(set, set.test.labels[i]!)}` : ''}`;
      button.setAttribute('aria-label', button.title);
      button.append(thumbnail(set.test.pixels, i, set));
      button.addEventListener('click', () => attempt(() => showNeighbours(i)));
      return button;
    }),
  );
  ui.neighbours.replaceChildren(hint('Pick a test image above to see its nearest training images.'));
}

function hint(text: string): HTMLElement {
  return Object.assign(document.createElement('p'), { className: 'hint', textContent: text });
}

function figure(canvas: HTMLCanvasElement, caption: string, className: string): HTMLElement {
  const fig = document.createElement('figure');
  fig.className = className;
  const text = document.createElement('figcaption');
  text.textContent = caption;
  fig.append(canvas, text);
  return fig;
}

/** Guards against answers arriving out of order when images are clicked quickly. */
let query = 0;

async function showNeighbours(test: number): Promise<void> {
  const set = images;
  if (!set) return;
  for (const [i, thumb] of [...ui.gallery.children].entries()) thumb.classList.toggle('selected', i === test);
  if (state === 'training') {
    // the worker answers one request at a time, so this one would wait for the run to end
    ui.neighbours.replaceChildren(hint('Pause training to search: the worker is busy with the run.'));
    return;
  }
  const mine = ++query;
  ui.neighbours.replaceChildren(hint('Searching…'));
  const answer = await client.request('neighbours', { test, k: NEIGHBOURS });
  if (mine !== query) return;
  const label = set.test.labels[test]!;
  const classes = set.classes.length > 0;
  const results = answer.train.map((index, i) => {
    const match = set.train.labels[index]! === label;
    const similarity = answer.similarities[i]!.toFixed(3);
    const caption = classes ? `${classOf(set, set.train.labels[index]!)} · ${similarity}` : similarity;
    return figure(thumbnail(set.train.pixels, index, set), caption, !classes ? 'neighbour' : match ? 'match' : 'miss');
  });
  const heading = document.createElement('div');
  heading.className = 'neighbour-row';
  heading.append(figure(thumbnail(set.test.pixels, test, set), classes ? `query: ${classOf(set, label)}` : 'query', 'query'), ...results);
  const correct = answer.train.filter((i) => set.train.labels[i] === label).length;
  const similarity = `cosine similarity of v${hasModel ? '' : ', untrained network'}`;
  const summary = classes ? `${correct} of ${answer.train.length} neighbours share the query's class` : 'The nearest training images';
  ui.neighbours.replaceChildren(heading, hint(`${summary} (${similarity}).`));
}

// ---------------------------------------------------------------- wiring

function wire(): void {
  ui.form.addEventListener('submit', (e) => e.preventDefault()); // Enter in a field must not start a run
  ui.preset.addEventListener('change', () => applyPreset(ui.preset.value));
  applySchema();
  for (const name of ['init', 'update', 'lambda']) field(name).addEventListener('input', matchPreset);
  ui.start.addEventListener('click', () => attempt(startFromForm));
  ui.pause.addEventListener('click', () => {
    ui.pause.disabled = true; // until the state event says the run has paused
    attempt(() => client.request('pause', {}));
  });
  ui.resume.addEventListener('click', () => attempt(resume));
  ui.stop.addEventListener('click', () => {
    ui.stop.disabled = ui.pause.disabled = true;
    forgetRun(); // a stopped run cannot be continued
    attempt(() => client.request('stop', {}));
  });
  ui.offerAccept.addEventListener('click', () => attempt(resumeOffered));
  ui.offerDiscard.addEventListener('click', () => {
    forgetRun();
    log('the autosaved run is discarded');
  });
  ui.save.addEventListener('click', () => attempt(() => withBusy(saveToFile())));
  ui.restore.addEventListener('change', () => {
    const file = ui.restore.files?.[0];
    ui.restore.value = ''; // choosing the same file again must fire another change
    if (file) attempt(() => restoreFromFile(file));
  });
  ui.embeddings.addEventListener('click', () => attempt(() => withBusy(downloadEmbeddings())));
  ui.pictureFolder.addEventListener('change', () => {
    const list = ui.pictureFolder.files;
    if (list && list.length > 0) attempt(() => pickPictures(folderFiles(list)));
    ui.pictureFolder.value = '';
  });
  ui.dataGroup.addEventListener('dragover', (e) => {
    e.preventDefault(); // a drop target
    ui.dataGroup.classList.add('dropping');
  });
  ui.dataGroup.addEventListener('dragleave', () => ui.dataGroup.classList.remove('dropping'));
  ui.dataGroup.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.dataGroup.classList.remove('dropping');
    const items = e.dataTransfer?.items;
    if (items && !ui.settings.disabled) attempt(async () => pickPictures(await droppedFiles(items)));
  });
  ui.dataFiles.addEventListener('change', () => {
    const list = ui.dataFiles.files;
    if (list && list.length > 0) attempt(() => pickDataFiles(list));
    ui.dataFiles.value = '';
  });
}

function showBackend(answer: Answers['init']): void {
  ui.backend.textContent = answer.backend;
  ui.backend.dataset.kind = answer.kind;
  ui.notice.textContent = answer.notice ?? '';
  ui.notice.hidden = answer.notice === null;
}

async function start(): Promise<Answers['init']> {
  log(`starting the training worker (backend ${params.backend}${params.threads === undefined ? '' : `, ${params.threads} threads`})`);
  const answer = await client.request('init', { backend: params.backend, threads: params.threads });
  showBackend(answer);
  await loadData({ subset: params.subset, testSubset: params.testSubset, seed: params.seed });
  autosave = await AutosaveStore.open();
  if (!autosave) log('this browser gives the page no storage: runs are not autosaved');
  return answer;
}

writeConfig({ ...DEFAULTS, seed: params.seed });
ui.subset.value = String(params.subset);
ui.testSubset.value = String(params.testSubset);
wire();
refreshControls();

// on a static host, first the service worker that makes the page cross-origin isolated (threads)
const ready = crossOriginIsolate(log).then(start);
ready.then(
  () => {
    setState('idle');
    document.body.dataset.ready = 'true';
    attempt(offerResume);
  },
  (error) => {
    ui.backend.textContent = 'failed';
    ui.backend.dataset.kind = 'error';
    log(messageOf(error), 'error');
  },
);

/** A hook function whose failures also show in the log, as a button's would. */
function logged<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) =>
    fn(...args).catch((error: unknown) => {
      log(messageOf(error), 'error');
      throw error;
    });
}

window.demo = {
  ready,
  client,
  train: logged(train),
  evaluate: logged(evaluate),
  save: logged(save),
  restore: logged((bytes: Uint8Array) => restore(bytes.slice().buffer)), // a copy: the original stays usable
  log: logLines,
  async autosaved() {
    const run = await autosave?.load();
    return run ? { epoch: run.epoch, epochs: run.epochs, where: autosave!.where } : null;
  },
  charts: () => ({ loss: charts.loss.data(), knn: charts.knn.data() }),
};
