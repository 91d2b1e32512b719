// The WebAssembly backend on one thread and on every core, next to TensorFlow.js's Wasm
// backend (XNNPACK) in the same process: matmul, the fmnist-resnet forward pass, and our
// training step of the classifier (the method's step against tfjs: bench/train.bench.ts).

import { noGrad, randn } from '../src/index.js';
import type { WasmBackend } from '../src/node.js';
import { compare, gflops, type Row, time } from './harness.js';
import { MATMUL_SHAPES } from './matmul.bench.js';
import { trainingStep } from './step.bench.js';
import { tfjsMatmul, tfjsResNetForward, useTfjs } from './tfjs.js';

export interface WasmBenchResult {
  peer: string;
  matmul: Row[];
  resnet: Row[];
}

export async function benchWasm(single: WasmBackend, multi: WasmBackend, batch: number, reps: number): Promise<WasmBenchResult> {
  const peer = await useTfjs('wasm');
  const matmul: Row[] = [];
  for (const shape of MATMUL_SHAPES) {
    const flops = 2 * shape.m * shape.n * shape.k;
    const ours = (backend: WasmBackend) => {
      const a = randn([shape.m, shape.k], { backend, seed: 1 });
      const b = randn(shape.transB ? [shape.n, shape.k] : [shape.k, shape.n], { backend, seed: 2 });
      return {
        run: () => noGrad(() => a.matmul(b, { transB: shape.transB }).dispose()),
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    };
    const one = ours(single),
      all = ours(multi),
      theirs = tfjsMatmul(shape.m, shape.n, shape.k, shape.transB);
    const { candidate, baseline } = await compare(single, one.run, theirs.run, reps);
    const threaded = await time(multi, all.run, reps);
    const op = `matmul ${shape.name}`;
    const oursGflops = gflops(flops, candidate.median),
      tfjsGflops = gflops(flops, baseline.median);
    matmul.push({
      op,
      'ours 1 thread GFLOPS': oursGflops,
      'tfjs-wasm GFLOPS': tfjsGflops,
      'ours / tfjs': baseline.median / candidate.median,
      [`ours ${multi.threads} threads GFLOPS`]: gflops(flops, threaded.median),
    });
    console.log(`  ${op}: ours ${oursGflops.toFixed(1)}, tfjs ${tfjsGflops.toFixed(1)} GFLOPS`);
    for (const x of [one, all, theirs]) x.dispose();
  }

  const resnet: Row[] = [];
  const oneNet = trainingStep(single, batch),
    allNet = trainingStep(multi, batch),
    theirs = tfjsResNetForward(batch);
  const { candidate: forward1, baseline: forwardTfjs } = await compare(single, oneNet.forward, theirs.run, reps);
  const forwardAll = await time(multi, allNet.forward, reps);
  const step1 = await time(single, oneNet.step, reps);
  const stepAll = await time(multi, allNet.step, reps);
  const rate = (ms: number) => batch / (ms / 1000);
  resnet.push(
    {
      measure: `forward, batch ${batch} (images/s)`,
      'ours 1 thread': rate(forward1.median),
      [`ours ${multi.threads} threads`]: rate(forwardAll.median),
      'tfjs-wasm': rate(forwardTfjs.median),
      'ours / tfjs (1 thread)': forwardTfjs.median / forward1.median,
    },
    {
      measure: `training step, batch ${batch} (images/s)`,
      'ours 1 thread': rate(step1.median),
      [`ours ${multi.threads} threads`]: rate(stepAll.median),
      'tfjs-wasm': 'see bench -- train',
      'ours / tfjs (1 thread)': '',
    },
    {
      measure: 'step time / forward time',
      'ours 1 thread': step1.median / forward1.median,
      [`ours ${multi.threads} threads`]: stepAll.median / forwardAll.median,
      'tfjs-wasm': '',
      'ours / tfjs (1 thread)': '',
    },
    {
      measure: `step speedup, ${multi.threads} threads / 1`,
      'ours 1 thread': 1,
      [`ours ${multi.threads} threads`]: step1.median / stepAll.median,
      'tfjs-wasm': '',
      'ours / tfjs (1 thread)': '',
    },
  );
  for (const x of [oneNet, allNet, theirs]) x.dispose();
  return { peer, matmul, resnet };
}
