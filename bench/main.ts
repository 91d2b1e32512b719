// `npm run bench [-- --adapter NAME --reps N --only matmul,conv,step]`: the engine benchmarks
// on one WebGPU adapter, each next to a naive baseline run in the same process.

import { parseArgs } from 'node:util';
import { createWebGpuBackend, type AdapterChoice } from '../src/node.js';
import { benchConv2d } from './conv2d.bench.js';
import { printTable, writeResults } from './harness.js';
import { benchMatmul } from './matmul.bench.js';
import { benchStep } from './step.bench.js';

const { values } = parseArgs({
  options: {
    adapter: { type: 'string', default: 'auto' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string', default: 'matmul,conv,step' },
    batch: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`npm run bench -- [options]
  --adapter auto|hardware|llvmpipe|swiftshader   WebGPU adapter (default auto: hardware, else the fastest software one)
  --reps N                                       timed repetitions per measurement (default 5)
  --only matmul,conv,step                        which benchmarks to run
  --batch N                                      batch of the conv and step benchmarks (default 256 on hardware, 32 on software)`);
  process.exit(0);
}

const backend = await createWebGpuBackend({ adapter: values.adapter as AdapterChoice });
if (!backend) throw new Error('no WebGPU adapter found (see README, "Adapters")');
const software = backend.kind === 'gpu-software';
const batch = Number(values.batch ?? (software ? 32 : 256));
const reps = Number(values.reps);
const only = new Set(values.only.split(','));
console.log(`adapter: ${backend.description}`);
console.log(`kernels: ${JSON.stringify(backend.config)}; batch ${batch}; ${reps} repetitions, medians\n`);

const results: Record<string, unknown> = { adapter: backend.description, kind: backend.kind, config: backend.config, batch, reps, date: new Date().toISOString() };
const tables: string[] = [];
if (only.has('matmul')) {
  console.log('matmul');
  const rows = await benchMatmul(backend, reps);
  tables.push(printTable('Matmul (GFLOPS, median)', rows));
  results.matmul = rows;
}
if (only.has('conv')) {
  console.log('conv2d');
  const rows = await benchConv2d(backend, batch, reps);
  tables.push(printTable(`Conv2d at fmnist-resnet shapes, batch ${batch} (GFLOPS, median)`, rows));
  results.conv2d = rows;
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
const slug = backend.opened.kind;
const path = writeResults(`engine-${slug}`, { ...results, markdown: tables });
console.log(`\nresults: ${path}`);
backend.destroy();
