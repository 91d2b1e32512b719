// `npm run bench -- profile`: one method training step (the train bench's setting), kernel by
// kernel. On WebAssembly every backend call is timed as it runs (kernels run synchronously on
// the host and its workers), with its work counted from its parameters: GFLOPS for matmul
// and convolution, GB/s of the operands for the rest. On WebGPU the runtime's profiler times
// each dispatch: GPU timestamps where the adapter has them, otherwise one submit per kernel.

import type { AdapterChoice } from '../src/node.js';
import { createWasmBackend, createWebGpuBackend } from '../src/node.js';
import { type CallProfile, profileCalls } from './calls.js';
import { printTable, type Row, writeResults } from './harness.js';
import { oursContestant, TRAIN_BENCH } from './train.bench.js';

export interface ProfileOptions {
  backend: string;
  adapter: AdapterChoice;
  threads?: number;
  batch?: number;
  bankSize?: number;
  negatives?: number;
  width?: number;
  /** Steps profiled after one warm-up; figures are per step. */
  steps?: number;
}

export async function benchProfile(o: ProfileOptions): Promise<void> {
  const steps = o.steps ?? 3;
  if (o.backend === 'webgpu') {
    const gpu = await createWebGpuBackend({ adapter: o.adapter });
    if (!gpu) throw new Error('no WebGPU adapter');
    const batch = o.batch ?? (gpu.kind === 'gpu-hardware' ? 256 : 32);
    const contestant = oursContestant(gpu, batch, setting(o));
    await contestant.step();
    const mode = gpu.device.features.has('timestamp-query') ? 'timestamp' : 'submit';
    gpu.runtime.setProfiling(mode);
    gpu.runtime.profiler.reset();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await contestant.step();
    const wall = (performance.now() - start) / steps;
    const kernels = gpu.runtime.profiler.report();
    gpu.runtime.setProfiling('off');
    const total = kernels.reduce((sum, k) => sum + k.ms, 0) / steps;
    const rows: Row[] = kernels.map((k) => ({
      kernel: k.kernel,
      'calls / step': k.calls / steps,
      'ms / step': k.ms / steps,
      share: `${((100 * k.ms) / steps / total).toFixed(1)} %`,
    }));
    const timing = mode === 'timestamp' ? 'GPU timestamps' : 'one submit per kernel';
    const title =
      `One method step on ${gpu.description}, batch ${batch}, ${describeSetting(o)} (${timing}): ` +
      `kernels ${total.toFixed(0)} ms of ${wall.toFixed(0)} ms`;
    const table = printTable(title, rows);
    const results = { backend: gpu.description, batch, steps, mode, wallMs: wall, kernelMs: total, rows, markdown: table };
    console.log(`\nresults: ${writeResults(`profile-${gpu.opened.kind}`, results)}`);
    contestant.dispose();
    gpu.destroy();
    return;
  }

  const wasm = await createWasmBackend({ threads: o.threads });
  const batch = o.batch ?? 256;
  const profiled = profileCalls(wasm);
  const contestant = oursContestant(profiled.backend, batch, { label: wasm.description, ...setting(o) });
  await contestant.step();
  profiled.reset();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await contestant.step();
  const wall = (performance.now() - start) / steps;
  const calls = profiled.report();
  const rows = profileRows(calls, steps);
  const total = calls.reduce((sum, k) => sum + k.ms, 0) / steps;
  const title =
    `One method step on ${wasm.description}, batch ${batch}, ${describeSetting(o)}: ` +
    `kernels ${total.toFixed(0)} ms of ${wall.toFixed(0)} ms`;
  const families = printTable('The same by kernel family', profileRows(byFamily(calls), steps));
  const table = printTable(title, rows.slice(0, 25));
  const results = { backend: wasm.description, batch, steps, wallMs: wall, kernelMs: total, rows, markdown: [table, families] };
  console.log(`\nresults: ${writeResults('profile-wasm', results)}`);
  contestant.dispose();
  wasm.destroy();
}

/** The contestant's setting: the train bench's, or what the flags changed. */
export function setting(o: Pick<ProfileOptions, 'bankSize' | 'negatives' | 'width'>) {
  return { bankSize: o.bankSize, negatives: o.negatives, width: o.width };
}

export function describeSetting(o: Pick<ProfileOptions, 'bankSize' | 'negatives' | 'width'>): string {
  const k = o.negatives ? `, K ${o.negatives}` : '';
  return `width ${o.width ?? TRAIN_BENCH.width}, N ${o.bankSize ?? TRAIN_BENCH.bankSize}${k}`;
}

function profileRows(calls: CallProfile[], steps: number): Row[] {
  const total = calls.reduce((sum, k) => sum + k.ms, 0);
  return calls.map((k) => ({
    kernel: k.kernel,
    'calls / step': k.calls / steps,
    'ms / step': k.ms / steps,
    share: `${((100 * k.ms) / total).toFixed(1)} %`,
    GFLOPS: k.flops ? k.flops / k.ms / 1e6 : '',
    'GB/s': k.bytes / k.ms / 1e6,
  }));
}

/** Calls summed by backend method (conv2d, matmul, batchNormBackward…), slowest first. */
function byFamily(calls: CallProfile[]): CallProfile[] {
  const families = new Map<string, CallProfile>();
  for (const k of calls) {
    const name = k.kernel.split(' ')[0]!;
    const f = families.get(name) ?? { kernel: name, calls: 0, ms: 0, flops: 0, bytes: 0 };
    f.calls += k.calls;
    f.ms += k.ms;
    f.flops += k.flops;
    f.bytes += k.bytes;
    families.set(name, f);
  }
  return [...families.values()].sort((a, b) => b.ms - a.ms);
}
