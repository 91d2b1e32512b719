// `npm run bench [-- options]`: the WebAssembly backend next to TensorFlow.js's, then the
// WebGPU kernels on one adapter next to naive baselines, each measured in the same process.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createWasmBackend, createWebGpuBackend, type AdapterChoice } from '../src/node.js';
import { benchConv2d } from './conv2d.bench.js';
import { printTable, writeResults } from './harness.js';
import { benchMatmul } from './matmul.bench.js';
import { benchStep } from './step.bench.js';
import { benchWasm } from './wasm.bench.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'all' },
    adapter: { type: 'string', default: 'auto' },
    threads: { type: 'string' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string', default: 'matmul,conv,step' },
    batch: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`npm run bench -- [options]
  --backend all|wasm|webgpu                      which backends (default all)
  --threads N                                    wasm: threads of the multi-threaded runs (default: the cores)
  --adapter auto|hardware|llvmpipe|swiftshader   webgpu: the adapter (default auto: hardware, else the fastest software one)
  --reps N                                       timed repetitions per measurement (default 5)
  --only matmul,conv,step                        webgpu: which benchmarks to run
  --batch N                                      fmnist-resnet batch (default 256; 32 on a software adapter)`);
  process.exit(0);
}

const reps = Number(values.reps);
const stamp = { reps, date: new Date().toISOString() };

async function runWasm(): Promise<void> {
  const batch = Number(values.batch ?? 256);
  const single = await createWasmBackend({ threads: 1 });
  const multi = await createWasmBackend({ threads: Number(values.threads ?? availableParallelism()) });
  console.log(`wasm: ${multi.description}; batch ${batch}; ${reps} repetitions, medians`);
  const { peer, matmul, resnet } = await benchWasm(single, multi, batch, reps);
  console.log(`peer: ${peer}`);
  const tables = [
    printTable('Matmul on the CPU (GFLOPS, median)', matmul),
    printTable('fmnist-resnet on the CPU', resnet),
  ];
  console.log(`\nresults: ${writeResults('wasm', { backend: multi.description, peer, batch, ...stamp, matmul, resnet, markdown: tables })}`);
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
    const top = profile.slice(0, 15).map((k) => ({ kernel: k.kernel, calls: k.calls, ms: k.ms, share: `${((100 * k.ms) / total).toFixed(1)} %` }));
    tables.push(printTable(`Per-kernel breakdown of one step (${profileMode === 'timestamp' ? 'GPU timestamps' : 'one submit per kernel'})`, top));
    results.step = rows;
    results.profile = { mode: profileMode, kernels: profile };
  }
  console.log(`\nresults: ${writeResults(`engine-${backend.opened.kind}`, { ...results, markdown: tables })}`);
  backend.destroy();
}

if (values.backend === 'all' || values.backend === 'wasm') await runWasm();
if (values.backend === 'all' || values.backend === 'webgpu') await runWebGpu();
