// `npm run bench [-- options]`: the WebAssembly backend next to TensorFlow.js's, then the
// WebGPU kernels on one adapter next to naive baselines, each measured in the same process.
// `npm run bench -- train`: the method's training step, ours against TensorFlow.js.
// `npm run bench -- profile`: where one method step spends its time, kernel by kernel.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { type AdapterChoice, createWasmBackend, createWebGpuBackend } from '../src/node.js';
import { benchConv2d } from './conv2d.bench.js';
import { printTable, writeResults } from './harness.js';
import { benchMatmul } from './matmul.bench.js';
import { benchProfile } from './profile.bench.js';
import { benchStep } from './step.bench.js';
import type { TfjsBackend } from './tfjs.js';
import { benchTrain, type TrainBenchOptions } from './train.bench.js';
import { benchWasm } from './wasm.bench.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'all' },
    adapter: { type: 'string', default: 'auto' },
    threads: { type: 'string' },
    reps: { type: 'string' },
    only: { type: 'string', default: 'matmul,conv,step' },
    batch: { type: 'string' },
    'gpu-batch': { type: 'string' },
    bank: { type: 'string' },
    'tfjs-cpu-batch': { type: 'string' },
    negatives: { type: 'string' },
    update: { type: 'string' },
    'tfjs-wasm-batch': { type: 'string' },
    adapters: { type: 'string', default: 'hardware,llvmpipe' },
    peers: { type: 'string', default: 'wasm,cpu,webgpu' },
    help: { type: 'boolean', default: false },
  },
});

const command = positionals[0] ?? 'kernels';
if (values.help || !['kernels', 'train', 'profile'].includes(command)) {
  console.log(`npm run bench -- [kernels|train|profile] [options]
  kernels (default): matmul, conv2d and a classifier step, ours against naive kernels and tfjs-wasm
  train: the method's training step (width 1, N 60,000) on our backends and TensorFlow.js's
  profile: one method step, kernel by kernel: time, share, GFLOPS or GB/s

  --backend all|wasm|webgpu                      which backends (default all)
  --threads N                                    wasm: threads of the multi-threaded runs (default: the cores)
  --adapter auto|hardware|llvmpipe|swiftshader   webgpu: the adapter (default auto: hardware, else the fastest software one)
  --reps N                                       timed repetitions per measurement (default 5; train: 3)
  --only matmul,conv,step                        webgpu: which benchmarks to run
  --batch N                                      fmnist-resnet batch (default 256; 32 on a software adapter)
  --gpu-batch N                                  train: batch on WebGPU (default 256 on hardware, 32 on llvmpipe, 8 on SwiftShader)
  --adapters hardware,llvmpipe,swiftshader       train: the WebGPU adapters to try (default hardware,llvmpipe)
  --tfjs-cpu-batch N                             train: tfjs-cpu's batch (default 8: it runs at about 0.2 images/s)
  --tfjs-wasm-batch N                            train: tfjs-wasm's batch (default 128: at 256 its step outgrows its heap)
  --negatives K                                  train: our step with K sampled negatives (default 0: all N rows)
  --update corrected|npid                        train: our step's bank update (default corrected, the method's)
  --bank N                                       train, profile: bank rows N (default 60000)
  --peers wasm,cpu,webgpu                        train: the TensorFlow.js backends (default all three; none: ours alone)`);
  process.exit(values.help ? 0 : 1);
}

const reps = Number(values.reps ?? (command === 'train' ? 3 : 5));
const stamp = { reps, date: new Date().toISOString() };

async function runWasm(): Promise<void> {
  const batch = Number(values.batch ?? 256);
  const single = await createWasmBackend({ threads: 1 });
  const multi = await createWasmBackend({ threads: Number(values.threads ?? availableParallelism()) });
  console.log(`wasm: ${multi.description}; batch ${batch}; ${reps} repetitions, medians`);
  const { peer, matmul, resnet } = await benchWasm(single, multi, batch, reps);
  console.log(`peer: ${peer}`);
  const tables = [printTable('Matmul on the CPU (GFLOPS, median)', matmul), printTable('fmnist-resnet on the CPU', resnet)];
  console.log(
    `\nresults: ${writeResults('wasm', { backend: multi.description, peer, batch, ...stamp, matmul, resnet, markdown: tables })}`,
  );
  single.destroy();
  multi.destroy();
}

async function runWebGpu(): Promise<void> {
  const backend = await createWebGpuBackend({ adapter: values.adapter as AdapterChoice });
  if (!backend) {
    console.log('webgpu: no adapter found (see README, "Adapters"); skipped');
    return;
  }
  const batch = Number(values.batch ?? (backend.kind === 'gpu-software' ? 32 : 256));
  const only = new Set(values.only.split(','));
  console.log(`\nadapter: ${backend.description}`);
  console.log(`kernels: ${JSON.stringify(backend.config)}; batch ${batch}; ${reps} repetitions, medians\n`);
  const results: Record<string, unknown> = { adapter: backend.description, kind: backend.kind, config: backend.config, batch, ...stamp };
  const tables: string[] = [];
  if (only.has('matmul')) {
    console.log('matmul');
    results.matmul = await benchMatmul(backend, reps);
    tables.push(printTable('Matmul (GFLOPS, median)', results.matmul as never));
  }
  if (only.has('conv')) {
    console.log('conv2d');
    results.conv2d = await benchConv2d(backend, batch, reps);
    tables.push(printTable(`Conv2d at fmnist-resnet shapes, batch ${batch} (GFLOPS, median)`, results.conv2d as never));
  }
  if (only.has('step')) {
    console.log('training step');
    const { rows, profile, profileMode } = await benchStep(backend, batch, reps);
    tables.push(printTable('fmnist-resnet training step', rows));
    const total = profile.reduce((sum, k) => sum + k.ms, 0);
    const top = profile
      .slice(0, 15)
      .map((k) => ({ kernel: k.kernel, calls: k.calls, ms: k.ms, share: `${((100 * k.ms) / total).toFixed(1)} %` }));
    tables.push(
      printTable(`Per-kernel breakdown of one step (${profileMode === 'timestamp' ? 'GPU timestamps' : 'one submit per kernel'})`, top),
    );
    results.step = rows;
    results.profile = { mode: profileMode, kernels: profile };
  }
  console.log(`\nresults: ${writeResults(`engine-${backend.opened.kind}`, { ...results, markdown: tables })}`);
  backend.destroy();
}

if (command === 'train') {
  if (values.update && !['corrected', 'npid'].includes(values.update)) throw new Error(`--update: corrected or npid, got ${values.update}`);
  await benchTrain({
    reps,
    threads: Number(values.threads ?? availableParallelism()),
    batch: Number(values.batch ?? 256),
    gpuBatch: values['gpu-batch'] ? Number(values['gpu-batch']) : undefined,
    adapters: values.adapters.split(',') as AdapterChoice[],
    peers: values.peers.split(',') as TfjsBackend[],
    backends: values.backend === 'all' ? ['wasm', 'webgpu'] : [values.backend],
    bankSize: values.bank ? Number(values.bank) : undefined,
    negatives: values.negatives ? Number(values.negatives) : undefined,
    update: values.update as TrainBenchOptions['update'],
    tfjsCpuBatch: values['tfjs-cpu-batch'] ? Number(values['tfjs-cpu-batch']) : undefined,
    tfjsWasmBatch: values['tfjs-wasm-batch'] ? Number(values['tfjs-wasm-batch']) : undefined,
  });
} else if (command === 'profile') {
  await benchProfile({
    backend: values.backend === 'all' ? 'wasm' : values.backend,
    adapter: values.adapter as AdapterChoice,
    threads: values.threads ? Number(values.threads) : undefined,
    batch: values.batch ? Number(values.batch) : undefined,
    bankSize: values.bank ? Number(values.bank) : undefined,
  });
} else {
  if (values.backend === 'all' || values.backend === 'wasm') await runWasm();
  if (values.backend === 'all' || values.backend === 'webgpu') await runWebGpu();
}
