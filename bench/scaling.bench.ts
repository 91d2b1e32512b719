// `npm run bench -- scaling`: what a second thread buys, kernel by kernel. One method step (the
// train bench's setting, or --bank) on a one-thread WebAssembly backend and on one with
// --threads, steps alternating between them in one process, every backend call timed as the
// profile times it. Per kernel: both times, the speedup, and the milliseconds lost against a
// perfect split (t_N − t_1 / N), most lost first, so the kernels that scale worst lead.

import { createWasmBackend } from '../src/node.js';
import { type CallProfile, profileCalls } from './calls.js';
import { printTable, type Row, writeResults } from './harness.js';
import { describeSetting, type ProfileOptions, setting } from './profile.bench.js';
import { oursContestant, TRAIN_BENCH } from './train.bench.js';

/** The profile's setting and thread count, on WebAssembly; `steps` are timed on each backend, alternating. */
export type ScalingOptions = Omit<ProfileOptions, 'backend' | 'adapter'>;

export async function benchScaling(o: ScalingOptions): Promise<void> {
  const steps = o.steps ?? 3;
  const batch = o.batch ?? 256;
  const bankSize = o.bankSize ?? TRAIN_BENCH.bankSize;
  const backends = [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: o.threads })];
  const threads = backends[1]!.threads;
  if (threads < 2) throw new Error('scaling: needs --threads of 2 or more (this machine offers one thread)');
  const runs = backends.map((wasm) => {
    const profiled = profileCalls(wasm);
    const contestant = oursContestant(profiled.backend, batch, setting(o));
    return { profiled, contestant, wall: 0 };
  });
  for (const run of runs) {
    await run.contestant.step();
    run.profiled.reset();
  }
  for (let i = 0; i < steps; i++) {
    for (const run of i % 2 === 0 ? runs : [...runs].reverse()) {
      const start = performance.now();
      await run.contestant.step();
      run.wall += performance.now() - start;
    }
  }
  const [one, many] = runs.map((run) => new Map<string, CallProfile>(run.profiled.report().map((k) => [k.kernel, k])));
  const rows: Row[] = [...one!.values()]
    .map((k) => {
      const [t1, tn] = [k.ms / steps, (many!.get(k.kernel)?.ms ?? 0) / steps];
      return {
        kernel: k.kernel,
        'calls / step': k.calls / steps,
        '1 thread (ms)': t1,
        [`${threads} threads (ms)`]: tn,
        speedup: t1 / tn,
        lost: tn - t1 / threads,
      };
    })
    .sort((a, b) => b.lost - a.lost);
  const [wall1, wallN] = runs.map((run) => run.wall / steps) as [number, number];
  const kernels = runs.map((run) => run.profiled.report().reduce((sum, k) => sum + k.ms, 0) / steps);
  const title =
    `One method step, batch ${batch}, ${describeSetting(o)}: 1 thread ${wall1.toFixed(0)} ms ` +
    `(kernels ${kernels[0]!.toFixed(0)}), ${threads} threads ${wallN.toFixed(0)} ms (kernels ${kernels[1]!.toFixed(0)}), ` +
    `${(wall1 / wallN).toFixed(2)}×; kernels by milliseconds lost against a perfect split`;
  const table = printTable(title, rows.slice(0, 30));
  const results = { threads, batch, bankSize, steps, wallMs: [wall1, wallN], kernelMs: kernels, rows, markdown: table };
  console.log(`\nresults: ${writeResults('scaling-wasm', results)}`);
  for (const run of runs) run.contestant.dispose();
  for (const wasm of backends) wasm.destroy();
}
