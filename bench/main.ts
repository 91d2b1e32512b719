// `npm run bench [-- options]`: the WebAssembly backend next to TensorFlow.js's, then the
// WebGPU kernels on one adapter next to naive baselines, each measured in the same process.
// `npm run bench -- train`: the method's training step, ours against TensorFlow.js and PyTorch.
// `npm run bench -- profile`: where one method step spends its time, kernel by kernel.
// `npm run bench -- depthwise`: the depthwise convolution kernels against the grouped ones.
// `npm run bench -- conv2d`: Winograd against the implicit GEMM at the step's 3×3 stride-1 convolutions.

import { availableParallelism } from 'node:os';
import { HELP_OPTION, type OptionSpec, optionHelp, readCommandLine, runCommand } from '../src/cli/args.js';
import { THREAD_COUNT } from '../src/engine/backends/wasm/backend.js';
import { OptionError } from '../src/engine/values.js';
import { type AdapterChoice, createWasmBackend, createWebGpuBackend } from '../src/node.js';
import { TRAIN_FLAGS } from '../src/settings.js';
import { benchConv2d } from './conv2d.bench.js';
import { benchWinograd, benchWinogradStep, stepConvolutions, sweepConvolutions } from './conv2d-winograd.bench.js';
import { benchDepthwise } from './depthwise-conv2d.bench.js';
import { printTable, writeResults } from './harness.js';
import { benchMatmul } from './matmul.bench.js';
import { benchProfile } from './profile.bench.js';
import { benchScaling } from './scaling.bench.js';
import { benchStep } from './step.bench.js';
import { benchTrain, type Peer, type TrainBenchOptions } from './train.bench.js';
import { benchWasm } from './wasm.bench.js';

const BATCH = { integer: [1, 65536] } as const;

const OPTIONS = {
  backend: { kind: { choice: ['all', 'wasm', 'webgpu'] }, default: 'all', help: 'all | wasm | webgpu: which backends' },
  threads: { kind: THREAD_COUNT, help: 'wasm: threads of the multi-threaded runs (default: the cores; at most twice the cores)' },
  adapter: {
    kind: { choice: ['auto', 'hardware', 'llvmpipe', 'swiftshader'] },
    default: 'auto',
    help: 'auto | hardware | llvmpipe | swiftshader: the WebGPU adapter (auto: hardware, else the fastest software one)',
  },
  reps: { kind: { integer: [1, 1000] }, help: 'timed repetitions per measurement (default 5; train: 3)' },
  only: { kind: { list: ['matmul', 'conv', 'step'] }, default: 'matmul,conv,step', help: 'matmul,conv,step: the WebGPU benchmarks to run' },
  batch: { kind: BATCH, help: 'fmnist-resnet batch (default 256; 32 on a software adapter); depthwise: mobilenetv2 batch (default 64)' },
  'gpu-batch': { kind: BATCH, help: 'train: batch on WebGPU (default 256 on hardware, 32 on llvmpipe, 8 on SwiftShader)' },
  adapters: {
    kind: { list: ['hardware', 'llvmpipe', 'swiftshader'] },
    default: 'hardware,llvmpipe',
    help: 'train: the WebGPU adapters to try, of hardware,llvmpipe,swiftshader',
  },
  'tfjs-cpu-batch': { kind: BATCH, help: "train: tfjs-cpu's batch (default 8: it runs at about 0.2 images/s)" },
  'tfjs-wasm-batch': { kind: BATCH, help: "train: tfjs-wasm's batch (default 128: at 256 its step outgrows its heap)" },
  negatives: {
    kind: TRAIN_FLAGS.negatives.kind,
    help: 'train, profile, scaling: our step with K sampled negatives (default 0: all N rows)',
  },
  width: { kind: TRAIN_FLAGS.width.kind, help: "profile, scaling: fmnist-resnet's width (default 1, the train bench's)" },
  update: { kind: TRAIN_FLAGS.update.kind, help: "train: our step's bank update, corrected | npid (default corrected, the method's)" },
  bank: { kind: { integer: [1, 1e7] }, help: 'train, profile, scaling: bank rows N (default 60000)' },
  peers: {
    kind: { list: ['wasm', 'cpu', 'webgpu', 'torch', 'none'] },
    default: 'wasm,cpu,webgpu,torch',
    help:
      "train: the peers, of wasm,cpu,webgpu (TensorFlow.js) and torch (PyTorch, in Python: npm start's step and the bench's, " +
      'on one pinned core and on all; torch alone runs just those); none: ours alone',
  },
  sweep: {
    kind: { switch: true },
    help: "conv2d: the grid of channels × map sizes behind Winograd's selection rule instead of the step's shapes",
  },
  step: {
    kind: { switch: true },
    help: "conv2d: the whole method step (npm start's setting and the train bench's) with and without Winograd",
  },
  help: HELP_OPTION,
} as const satisfies Record<string, OptionSpec>;

const COMMANDS = ['kernels', 'train', 'profile', 'scaling', 'depthwise', 'conv2d'];

const USAGE = `npm run bench -- [kernels|train|profile|scaling|depthwise|conv2d] [options]
  kernels (default): matmul, conv2d and a classifier step, ours against naive kernels and tfjs-wasm
  train: the method's training step (width 1, N 60,000) on our backends and TensorFlow.js's;
    with PyTorch at npm start's setting and this one (--peers torch: those alone)
  profile: one method step, kernel by kernel: time, share, GFLOPS or GB/s
  scaling: the same step on 1 thread and on --threads (WebAssembly), kernel by kernel, steps alternating
  depthwise: mobilenetv2's depthwise layers, their kernels against the general grouped ones
    (on WebAssembly; --backend webgpu for the --adapter)
  conv2d: fmnist-resnet's 3×3 stride-1 convolutions (widths 0.5 and 1), Winograd against the implicit GEMM,
    every pass, with effective GFLOPS (on WebAssembly; --backend webgpu for the --adapter; --sweep: the rule's grid;
    --step: the whole method step with and without Winograd)

${optionHelp(OPTIONS).join('\n')}

A wrong flag or value stops with one line and exit code 2.`;

const { values, positionals } = readCommandLine(OPTIONS);
const command = positionals[0] ?? 'kernels';
const reps = values.reps ?? (command === 'train' ? 3 : 5);
const stamp = { reps, date: new Date().toISOString() };

async function runWasm(): Promise<void> {
  const batch = values.batch ?? 256;
  const single = await createWasmBackend({ threads: 1 });
  const multi = await createWasmBackend({ threads: values.threads });
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
  const batch = values.batch ?? (backend.kind === 'gpu-software' ? 32 : 256);
  const only = new Set(values.only);
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

async function runWinograd(): Promise<void> {
  const batch = values.batch ?? (values.sweep ? 64 : 256);
  const gpu = values.backend === 'webgpu' ? await createWebGpuBackend({ adapter: values.adapter as AdapterChoice }) : null;
  if (values.backend === 'webgpu' && !gpu) throw new Error('conv2d: no WebGPU adapter found (see README, "Adapters")');
  const backend = gpu ?? (await createWasmBackend({ threads: values.threads }));
  console.log(`conv2d on ${backend.description}; batch ${batch}; ${reps} repetitions, medians\n`);
  if (values.step) {
    const rows = await benchWinogradStep(backend, batch, reps);
    const table = printTable(`The method's step, batch ${batch}: Winograd against the implicit GEMM (medians)`, rows);
    const results = { backend: backend.description, batch, ...stamp, rows, markdown: [table] };
    console.log(`\nresults: ${writeResults(`conv2d-winograd-step-${gpu ? gpu.opened.kind : 'wasm'}`, results)}`);
    backend.destroy();
    return;
  }
  const cases = values.sweep ? sweepConvolutions(batch) : stepConvolutions(batch, [0.5, 1]);
  const rows = await benchWinograd(backend, cases, reps);
  const title = `3×3 stride-1 convolutions, batch ${batch}: Winograd F(2×2, 3×3) against the implicit GEMM (ms, median; effective GFLOPS)`;
  const table = printTable(title, rows);
  const name = `conv2d-winograd${values.sweep ? '-sweep' : ''}-${gpu ? gpu.opened.kind : 'wasm'}`;
  console.log(`\nresults: ${writeResults(name, { backend: backend.description, batch, ...stamp, rows, markdown: [table] })}`);
  backend.destroy();
}

async function runDepthwise(): Promise<void> {
  const batch = values.batch ?? 64;
  const gpu = values.backend === 'webgpu' ? await createWebGpuBackend({ adapter: values.adapter as AdapterChoice }) : null;
  if (values.backend === 'webgpu' && !gpu) throw new Error('depthwise: no WebGPU adapter found (see README, "Adapters")');
  const backend = gpu ?? (await createWasmBackend({ threads: values.threads }));
  console.log(`depthwise on ${backend.description}; mobilenetv2 width 1, batch ${batch}; ${reps} repetitions, medians\n`);
  const { rows, step } = await benchDepthwise(backend, batch, reps);
  const table = printTable(`mobilenetv2's depthwise layers, batch ${batch}: their kernels against grouped conv2d's (ms, median)`, rows);
  const [ours, grouped, ratio] = [step.depthwise.toFixed(0), step.grouped.toFixed(0), (step.grouped / step.depthwise).toFixed(2)];
  const total = `every depthwise layer of one step, all three passes: ${ours} ms against ${grouped} ms (${ratio}×)`;
  console.log(`\n${total}`);
  const results = { backend: backend.description, batch, ...stamp, rows, step, markdown: [table, total] };
  console.log(`\nresults: ${writeResults(`depthwise-${gpu ? gpu.opened.kind : 'wasm'}`, results)}`);
  backend.destroy();
}

await runCommand(async () => {
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!COMMANDS.includes(command) || positionals.length > 1)
    throw new OptionError(`unknown command "${positionals.join(' ')}": choose ${COMMANDS.join(', ')} (--help lists the options)`);
  if (command === 'train') {
    await benchTrain({
      reps,
      threads: values.threads ?? availableParallelism(),
      batch: values.batch ?? 256,
      gpuBatch: values['gpu-batch'],
      adapters: values.adapters as AdapterChoice[],
      peers: values.peers as Peer[],
      backends: values.backend === 'all' ? ['wasm', 'webgpu'] : [values.backend],
      bankSize: values.bank,
      negatives: values.negatives,
      update: values.update as TrainBenchOptions['update'],
      tfjsCpuBatch: values['tfjs-cpu-batch'],
      tfjsWasmBatch: values['tfjs-wasm-batch'],
    });
  } else if (command === 'depthwise') {
    await runDepthwise();
  } else if (command === 'conv2d') {
    await runWinograd();
  } else if (command === 'scaling') {
    const step = { bankSize: values.bank, negatives: values.negatives, width: values.width };
    await benchScaling({ threads: values.threads, batch: values.batch, steps: values.reps, ...step });
  } else if (command === 'profile') {
    await benchProfile({
      backend: values.backend === 'all' ? 'wasm' : values.backend,
      adapter: values.adapter as AdapterChoice,
      threads: values.threads,
      batch: values.batch,
      bankSize: values.bank,
      negatives: values.negatives,
      width: values.width,
    });
  } else {
    if (values.backend === 'all' || values.backend === 'wasm') await runWasm();
    if (values.backend === 'all' || values.backend === 'webgpu') await runWebGpu();
  }
});
