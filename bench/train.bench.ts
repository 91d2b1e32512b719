// `npm run bench -- train`: one full training step of the method (fmnist-resnet width 1,
// bank N = 60,000, d = 128, every row a negative, corrected update) on each of our backends
// next to the same step written with TensorFlow.js, in one process, and next to the same step
// written with PyTorch (bench/torch.ts) at npm start's setting and at this one, on one pinned
// core and on all cores. Contestants that share hardware are timed in turn, round after round,
// so the machine's noise falls on all of them; medians, peak memory, and the memory-bank part's
// own time.

import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { Backend } from '../src/engine/backend.js';
import type { WasmBackend } from '../src/engine/backends/wasm/backend.js';
import { l2Normalize, randn, scope, type Tensor, tensor } from '../src/index.js';
import { sampleNegatives, shuffle, toDevice } from '../src/method/data.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../src/method/train.js';
import { type AdapterChoice, createWasmBackend, createWebGpuBackend, type WebGpuBackend } from '../src/node.js';
import { median } from '../src/numbers.js';
import { resolveSetting } from '../src/settings.js';
import { printTable, type Row, writeResults } from './harness.js';
import { type TfjsBackend, tfjsMethodStep, useTfjs } from './tfjs.js';
import { findTorch, pinToOneCore, type TorchInfo, TorchPeer, type TorchSetting } from './torch.js';

/** The setting of the step (issue 6): the method's defaults at width 1 with a 60,000-row bank. */
export const TRAIN_BENCH = { width: 1, bankSize: 60_000, dim: DEFAULTS.dim } as const;

/**
 * Work that resolves when it is done: to nothing (the bench times it), or, for a peer in another
 * process (PyTorch), to the milliseconds it measured itself, the pipe left out.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: ours and TensorFlow.js's work returns nothing
type Timed = () => Promise<void | number>;

/** One timed thing: a step and its memory-bank part. */
export interface Contestant {
  engine: 'ours' | 'tfjs' | 'torch';
  backend: string;
  batch: number;
  /** Runs before each of its timings (tfjs: make its backend the active one). */
  activate: () => Promise<void>;
  step: Timed;
  bankPart: Timed;
  /** Peak bytes during one step, the training images left out (NaN: not measured). */
  peakBytes: () => Promise<number>;
  dispose: () => void;
}

/** How our step deviates from the bench's setting. */
export interface OursOptions {
  /** The contestant's name in the tables (default the backend's description). */
  label?: string;
  /** Width of fmnist-resnet (default TRAIN_BENCH.width). */
  width?: number;
  /** Bank rows N (default TRAIN_BENCH.bankSize). */
  bankSize?: number;
  /** Sampled negatives K (default 0: every bank row). */
  negatives?: number;
  /** The bank update (default the method's, corrected). */
  update?: TrainConfig['update'];
}

/** Our method step through Trainer.step, on synthetic images (timing does not depend on pixels). */
export function oursContestant(backend: Backend, batch: number, options: OursOptions = {}): Contestant {
  const {
    label = backend.description,
    width = TRAIN_BENCH.width,
    bankSize = TRAIN_BENCH.bankSize,
    negatives = 0,
    update = DEFAULTS.update,
  } = options;
  const plane = 28 * 28;
  const pixels = new Uint8Array(bankSize * plane);
  for (let i = 0, x = 1; i < pixels.length; i++) pixels[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const split = (count: number) => ({
    pixels: pixels.subarray(0, count * plane),
    labels: new Uint8Array(count),
    count,
    height: 28,
    width: 28,
  });
  const train = toDevice(split(bankSize), backend),
    test = toDevice(split(1), backend);
  const config: TrainConfig = { ...DEFAULTS, width, batch, negatives, update };
  const trainer = new Trainer(config, backend, train, test);
  const order = shuffle(bankSize, 0);
  let step = 0;
  const nextIndex = () => order.subarray((step % trainer.stepsPerEpoch) * batch, ((step % trainer.stepsPerEpoch) + 1) * batch);
  const v = scope(() => l2Normalize(randn([batch, config.dim], { backend, seed: 3 }), 1));
  const imageBytes = (train.images.size + test.images.size) * 4;
  const run = async () => {
    trainer.step(nextIndex(), step++).dispose();
    await backend.sync();
  };
  return {
    engine: 'ours',
    backend: label,
    batch,
    activate: async () => {},
    step: run,
    bankPart: async () => {
      scope(() => {
        const index = nextIndex();
        const columns = negatives > 0 ? sampleNegatives(bankSize, index, negatives, config.seed, step) : undefined;
        const idx: Tensor = tensor(index, [batch], { backend });
        trainer.bank.step(v, idx, { tau: config.tau, lambda: config.lambda, m: config.m, update: config.update, columns });
      });
      step++;
      await backend.sync();
    },
    peakBytes: async () => {
      await backend.sync();
      backend.resetPeak();
      await run();
      return backend.memory().peakBytes - imageBytes;
    },
    dispose: () => {
      trainer.dispose();
      for (const t of [v, train.images, test.images]) t.dispose();
    },
  };
}

/** The same step in TensorFlow.js on `name` (webgpu: on our device). */
export async function tfjsContestant(
  name: TfjsBackend,
  batch: number,
  bankSize: number,
  webgpu?: { device: GPUDevice; gpu: GPU; label: string },
): Promise<Contestant> {
  const description = await useTfjs(name, webgpu);
  const activate = async () => {
    if (tf.getBackend() !== name) await tf.setBackend(name);
  };
  const step = tfjsMethodStep(
    {
      batch,
      bankSize,
      width: TRAIN_BENCH.width,
      hidden: DEFAULTS.hidden,
      dim: DEFAULTS.dim,
      tau: DEFAULTS.tau,
      lambda: DEFAULTS.lambda,
      m: DEFAULTS.m,
      lr: DEFAULTS.lr,
      pool: 4096,
    },
    name === 'wasm',
  );
  return {
    engine: 'tfjs',
    backend: webgpu ? `${description} on ${webgpu.label}` : description,
    batch,
    activate,
    step: step.step,
    bankPart: step.bankPart,
    peakBytes: async () => {
      await activate();
      const info = await tf.profile(() => step.step());
      return info.peakBytes - step.imageBytes;
    },
    dispose: () => {
      step.dispose();
    },
  };
}

export interface TrainTiming {
  contestant: Contestant;
  stepMs: number[];
  bankMs: number[];
  peakBytes: number;
}

/**
 * Times every contestant's step and bank part `reps` times, round-robin after one warm-up
 * each, then measures each one's peak memory on one more step.
 */
export async function timeRoundRobin(contestants: Contestant[], reps: number, log: (line: string) => void): Promise<TrainTiming[]> {
  const timed = async (c: Contestant, work: Timed) => {
    await c.activate();
    const start = performance.now();
    const own = await work();
    return typeof own === 'number' ? own : performance.now() - start;
  };
  const results: TrainTiming[] = contestants.map((contestant) => ({ contestant, stepMs: [], bankMs: [], peakBytes: 0 }));
  for (const r of results) {
    const ms = await timed(r.contestant, r.contestant.step);
    await timed(r.contestant, r.contestant.bankPart);
    log(`  warm-up: ${r.contestant.engine} ${r.contestant.backend}, ${ms.toFixed(0)} ms`);
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const r of results) {
      const stepMs = await timed(r.contestant, r.contestant.step);
      const bankMs = await timed(r.contestant, r.contestant.bankPart);
      r.stepMs.push(stepMs);
      r.bankMs.push(bankMs);
      const name = `${r.contestant.engine} ${r.contestant.backend}`;
      log(`  round ${rep + 1}/${reps}: ${name}, step ${stepMs.toFixed(0)} ms, bank part ${bankMs.toFixed(0)} ms`);
    }
  }
  for (const r of results) r.peakBytes = await r.contestant.peakBytes();
  return results;
}

/** A table row per contestant, with the ratio of our best over each. */
export function trainRows(results: TrainTiming[]): Row[] {
  const rate = (r: TrainTiming) => r.contestant.batch / (median(r.stepMs) / 1000);
  const oursBest = Math.max(...results.filter((r) => r.contestant.engine === 'ours').map(rate));
  return results.map((r) => ({
    engine: r.contestant.engine,
    backend: r.contestant.backend,
    batch: r.contestant.batch,
    'images/s': rate(r),
    'step ms': median(r.stepMs),
    'bank part ms': median(r.bankMs),
    'bank share': `${((100 * median(r.bankMs)) / median(r.stepMs)).toFixed(1)} %`,
    'peak MiB': Number.isFinite(r.peakBytes) ? r.peakBytes / 2 ** 20 : '—',
    'ours best / this': oursBest / rate(r),
  }));
}

/** A peer of the train bench: a TensorFlow.js backend, PyTorch, or none (ours alone). */
export type Peer = TfjsBackend | 'torch' | 'none';

export interface TrainBenchOptions {
  reps: number;
  /** Threads of our multi-threaded WebAssembly run (and of PyTorch's on all cores). */
  threads: number;
  /** Batch on the CPU backends. */
  batch: number;
  /** Batch of tfjs-cpu, plain JavaScript and about 50× slower than the rest (default 8). */
  tfjsCpuBatch?: number;
  /** Batch of tfjs-wasm (default: the CPU batch up to 128; at 256 its step outgrows the 4 GiB heap). */
  tfjsWasmBatch?: number;
  /** Batch on WebGPU (default: 256 on hardware, 32 on llvmpipe, 8 on SwiftShader). */
  gpuBatch?: number;
  adapters: AdapterChoice[];
  /** The TensorFlow.js groups run when any peer but torch is named ('none': ours alone); the PyTorch groups when torch is. */
  peers: Peer[];
  backends: string[];
  /** Bank rows N (default TRAIN_BENCH.bankSize). */
  bankSize?: number;
  /** Sampled negatives K of our step (default 0: every bank row, the method's default). */
  negatives?: number;
  /** Our step's bank update (default corrected, the method's). */
  update?: TrainConfig['update'];
}

const SOFTWARE_GPU_BATCH: Partial<Record<AdapterChoice, number>> = { llvmpipe: 32, swiftshader: 8 };

/** The step of torch_step.py at one setting, timed by the peer itself. */
async function torchContestant(
  python: string,
  setting: TorchSetting,
  threads: number,
  core?: number,
): Promise<{ contestant: Contestant; info: TorchInfo; losses: number[] }> {
  const peer = await TorchPeer.start(python, setting, threads, core);
  const { info } = peer;
  const losses: number[] = [];
  const contestant: Contestant = {
    engine: 'torch',
    backend: `PyTorch ${info.torch}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    batch: setting.batch,
    activate: async () => {},
    step: async () => {
      const reply = await peer.request('step');
      losses.push(reply.loss as number);
      return reply.ms as number;
    },
    bankPart: async () => (await peer.request('bank')).ms as number,
    peakBytes: async () => {
      const { bytes } = await peer.request('peak');
      return typeof bytes === 'number' ? bytes : NaN;
    },
    dispose: () => peer.close(),
  };
  return { contestant, info, losses };
}

/**
 * The settings PyTorch is raced at (issue 16): npm start's step (its quick recipe, read from
 * src/settings.ts) and this bench's (width 1, the bank, negatives, update and CPU batch of the options).
 */
export function torchSettings(o: Pick<TrainBenchOptions, 'batch' | 'bankSize' | 'negatives' | 'update'>): {
  title: string;
  setting: TorchSetting;
}[] {
  const quick = resolveSetting({});
  if (quick.config.head !== 'mlp' || quick.config.arch !== 'fmnist-resnet')
    throw new Error(
      `torch_step.py writes fmnist-resnet with the MLP head; npm start now trains ${quick.config.arch}, ${quick.config.head}`,
    );
  const shared = (c: TrainConfig) => {
    const { hidden, dim, tau, lambda, m, lr, momentum, weightDecay, cropMin } = c;
    return { hidden, dim, tau, lambda, m, lr, momentum, weightDecay, cropMin };
  };
  const c = quick.config;
  const settings: [string, TorchSetting][] = [
    [
      "npm start's step",
      { ...shared(c), width: c.width, bank: quick.subset || 60_000, negatives: c.negatives, batch: c.batch, update: c.update },
    ],
    [
      "the train bench's step",
      {
        ...shared(DEFAULTS),
        width: TRAIN_BENCH.width,
        bank: o.bankSize ?? TRAIN_BENCH.bankSize,
        negatives: o.negatives ?? 0,
        batch: o.batch,
        update: o.update ?? DEFAULTS.update,
      },
    ],
  ];
  const count = (n: number) => n.toLocaleString('en');
  return settings.map(([name, s]) => {
    const sampled = s.negatives > 0 && s.negatives < s.bank - s.batch;
    const negatives = sampled ? `K ${count(s.negatives)} sampled negatives` : 'every row a negative';
    const update = s.update === 'npid' ? ', NPID update' : '';
    return { title: `${name} (width ${s.width}, N ${count(s.bank)}, ${negatives}, batch ${s.batch}${update})`, setting: s };
  });
}

/** "/usr/lib/…/blas/libblas.so.3.11.0" and the like, as a reader knows them. */
function blasName(blas: string): string {
  if (/openblas/i.test(blas)) return 'OpenBLAS';
  if (/mkl/i.test(blas)) return 'MKL';
  if (/blis/i.test(blas)) return 'BLIS';
  if (/\/blas\/libblas\.so/.test(blas)) return 'the reference BLAS (libblas3, unoptimised)';
  return blas;
}

interface Group {
  title: string;
  kind: 'tfjs' | 'torch';
  rows: Row[];
  results: TrainTiming[];
  /** More for the JSON (the PyTorch groups: the setting, the peer's build, its losses). */
  extra?: Record<string, unknown>;
}

type RunGroup = (
  title: string,
  kind: Group['kind'],
  make: () => Promise<Contestant[]>,
  cleanup: () => void,
  extra?: () => Record<string, unknown>,
) => Promise<void>;

/**
 * Ours against PyTorch at each of torchSettings, on one thread pinned to one core (this
 * process and the peer's both) and on `o.threads` threads unpinned; returns the notes for the
 * tables (what PyTorch ran with, or why it was skipped).
 */
async function torchGroups(o: TrainBenchOptions, run: RunGroup): Promise<string[]> {
  const found = findTorch();
  if ('missing' in found) {
    console.log(`\nPyTorch: ${found.missing}; its groups skipped`);
    return [`PyTorch: skipped, ${found.missing}.`];
  }
  const infos: TorchInfo[] = [];
  for (const { title, setting } of torchSettings(o)) {
    for (const pinned of [true, false]) {
      const pin = pinned ? pinToOneCore() : null;
      const threads = pinned ? 1 : o.threads;
      const where = !pinned
        ? `${threads} threads, all cores`
        : pin
          ? `1 thread, both pinned to CPU ${pin.core}`
          : '1 thread (not pinned: taskset is missing or refused)';
      let ours: WasmBackend | null = null;
      const peer: { info?: TorchInfo; losses?: number[] } = {};
      try {
        await run(
          `Against PyTorch: ${title}, ${where}`,
          'torch',
          async () => {
            ours = await createWasmBackend({ threads });
            const options = { width: setting.width, bankSize: setting.bank, negatives: setting.negatives, update: setting.update };
            const theirs = await torchContestant(found.python, setting, threads, pin?.core);
            Object.assign(peer, { info: theirs.info, losses: theirs.losses });
            infos.push(theirs.info);
            return [oursContestant(ours, setting.batch, options), theirs.contestant];
          },
          () => ours?.destroy(),
          () => ({ setting, torch: peer.info, torchLosses: peer.losses }),
        );
      } finally {
        pin?.restore();
      }
    }
  }
  if (!infos[0]) return [];
  const { torch, blas, capability, augment, ompWaitPolicy } = infos[0];
  const notes = [
    `PyTorch ${torch} (${found.python}): ATen's kernels at ${capability}, convolutions on oneDNN, matmuls on ${blasName(blas)}, ` +
      `OpenMP wait policy ${ompWaitPolicy}; ` +
      `the step of bench/peers/torch_step.py, timed by the peer itself. Augmentation: ${augment}. ` +
      "PyTorch's peak MiB: the growth of its resident memory during one step over its resident memory before the model, " +
      'the bank and the optimiser existed (the training images left out).',
  ];
  if (/\/blas\/libblas\.so/.test(blas))
    notes.push(
      "Warning: PyTorch's matmuls (the head's Linear layers, the bank's similarities, ∂L/∂v and the update's product) run on the " +
        'unoptimised reference BLAS here; with OpenBLAS (libopenblas0) installed Debian switches libblas.so.3 to it.',
    );
  for (const note of notes) console.log(`\n${note}`);
  return notes;
}

/**
 * The CPU group (ours on WebAssembly with every thread and with one, tfjs-wasm, tfjs-cpu),
 * then one group per WebGPU adapter (ours and tfjs-webgpu on the same device), then ours
 * against PyTorch (torchGroups); tables, the headline ratios, and bench/results/train.json
 * (train-torch.json when only PyTorch was asked for).
 */
export async function benchTrain(o: TrainBenchOptions): Promise<void> {
  const log = (line: string) => console.log(line);
  const bankSize = o.bankSize ?? TRAIN_BENCH.bankSize;
  const label = (backend: string) =>
    backend + (o.negatives ? `, K ${o.negatives} negatives` : '') + (o.update === 'npid' ? ', NPID update' : '');
  const ours = (backend: Backend, batch: number, name: string) =>
    oursContestant(backend, batch, { label: label(name), bankSize, negatives: o.negatives, update: o.update });
  const groups: Group[] = [];
  const run: RunGroup = async (title, kind, make, cleanup, extra) => {
    console.log(`\n${title}`);
    const contestants = await make();
    const results = await timeRoundRobin(contestants, o.reps, log);
    for (const c of contestants) c.dispose();
    cleanup();
    groups.push({ title, kind, rows: trainRows(results), results, extra: extra?.() });
  };
  const tfjsGroups = o.peers.some((p) => p !== 'torch');

  if (tfjsGroups && o.backends.includes('wasm')) {
    const multi = await createWasmBackend({ threads: o.threads });
    const single = o.threads > 1 ? await createWasmBackend({ threads: 1 }) : null;
    await run(
      `CPU, batch ${o.batch}${o.peers.includes('cpu') ? ` (tfjs-cpu: ${o.tfjsCpuBatch ?? 8})` : ''}`,
      'tfjs',
      async () => {
        const list = [ours(multi, o.batch, multi.description)];
        if (single) list.push(ours(single, o.batch, single.description));
        for (const peer of o.peers.filter((p) => p === 'wasm' || p === 'cpu'))
          list.push(
            await tfjsContestant(peer, peer === 'cpu' ? (o.tfjsCpuBatch ?? 8) : (o.tfjsWasmBatch ?? Math.min(o.batch, 128)), bankSize),
          );
        return list;
      },
      () => {
        multi.destroy();
        single?.destroy();
      },
    );
  }
  if (tfjsGroups && o.backends.includes('webgpu')) {
    for (const adapter of o.adapters) {
      let backend: WebGpuBackend | null = null;
      try {
        backend = await createWebGpuBackend({ adapter });
      } catch (error) {
        console.log(`\n${adapter}: ${(error as Error).message}; skipped`);
      }
      if (!backend) continue;
      const gpu = backend;
      const batch = o.gpuBatch ?? (gpu.kind === 'gpu-hardware' ? 256 : (SOFTWARE_GPU_BATCH[adapter] ?? 32));
      await run(
        `WebGPU on ${gpu.description}, batch ${batch}`,
        'tfjs',
        async () => {
          const list = [ours(gpu, batch, `webgpu (${gpu.opened.name})`)];
          if (o.peers.includes('webgpu'))
            list.push(
              await tfjsContestant('webgpu', batch, bankSize, { device: gpu.device, gpu: gpu.opened.instance, label: gpu.opened.name }),
            );
          return list;
        },
        () => gpu.destroy(),
      );
    }
  }
  const notes: string[] = [];
  if (o.peers.includes('torch')) {
    if (o.backends.includes('wasm')) notes.push(...(await torchGroups(o, run)));
    else notes.push('PyTorch: skipped, it races our WebAssembly backend (--backend wasm or all).');
  }

  if (groups.length === 0) {
    console.log('\nnothing measured: bench/results/ left as it was');
    return;
  }
  const tfjs = groups.filter((g) => g.kind === 'tfjs');
  const all = tfjs.flatMap((g) => g.results);
  const rate = (r: TrainTiming) => r.contestant.batch / (median(r.stepMs) / 1000);
  const best = (engine: Contestant['engine'], list = all) =>
    list.filter((r) => r.contestant.engine === engine).sort((a, b) => rate(b) - rate(a))[0];
  const headline: Row[] = [];
  const oursBest = best('ours'),
    tfjsBest = best('tfjs');
  if (oursBest && tfjsBest) {
    headline.push({
      comparison: `ours best (${oursBest.contestant.backend}) / tfjs best (${tfjsBest.contestant.backend})`,
      'images/s ratio': rate(oursBest) / rate(tfjsBest),
    });
  }
  for (const g of tfjs.slice(tfjsGroups && o.backends.includes('wasm') ? 1 : 0)) {
    const ours = best('ours', g.results),
      theirs = best('tfjs', g.results);
    if (ours && theirs) headline.push({ comparison: `ours / tfjs-webgpu, ${g.title}`, 'images/s ratio': rate(ours) / rate(theirs) });
  }
  if (oursBest)
    headline.push({
      comparison: `memory-bank part of ours best step (${oursBest.contestant.backend})`,
      'images/s ratio': `${((100 * median(oursBest.bankMs)) / median(oursBest.stepMs)).toFixed(1)} % of the step`,
    });
  for (const g of groups.filter((g) => g.kind === 'torch')) {
    const ours = best('ours', g.results),
      theirs = best('torch', g.results);
    const comparison = `ours / PyTorch, ${g.title.replace(/^Against PyTorch: /, '')}`;
    if (ours && theirs) headline.push({ comparison, 'images/s ratio': rate(ours) / rate(theirs) });
  }

  const tables = groups.map((g) => `**${g.title}**\n\n${printTable(g.title, g.rows)}`);
  tables.push(...notes);
  if (headline.length > 0) tables.push(`**Headline**\n\n${printTable('Headline', headline)}`);
  const name = `train${o.negatives ? `-k${o.negatives}` : ''}${o.update === 'npid' ? '-npid' : ''}${tfjsGroups ? '' : '-torch'}`;
  const path = writeResults(name, {
    setting: {
      ...TRAIN_BENCH,
      bankSize,
      negatives: o.negatives ?? 0,
      tau: DEFAULTS.tau,
      lambda: DEFAULTS.lambda,
      m: DEFAULTS.m,
      update: o.update ?? DEFAULTS.update,
      head: DEFAULTS.head,
      hidden: DEFAULTS.hidden,
    },
    reps: o.reps,
    date: new Date().toISOString(),
    cores: availableParallelism(),
    groups: groups.map((g) => ({
      title: g.title,
      rows: g.rows,
      samples: g.results.map((r) => ({ backend: r.contestant.backend, engine: r.contestant.engine, stepMs: r.stepMs, bankMs: r.bankMs })),
      ...g.extra,
    })),
    notes,
    headline,
    markdown: tables,
  });
  writeFileSync(path.replace(/\.json$/, '.md'), `${tables.join('\n\n')}\n`);
  console.log(`\nresults: ${path} and ${path.replace(/\.json$/, '.md')}`);
}
