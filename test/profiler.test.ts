// Per-kernel profiling on every adapter: both modes give one timing per kernel run, and the
// per-submit mode's deferred replay keeps writes and kernels in order.
import { describe, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import type { WebGpuBackend } from '../src/node.js';
import { gpuCases, testBackends } from './helpers/backends.js';

const cases = gpuCases(await testBackends());
if (cases.length === 0) it.skip('needs a WebGPU adapter', () => {});

describe.each(cases)('profiling on $name', ({ backend }) => {
  const gpu = backend as WebGpuBackend | undefined;
  const modes = ['submit', 'timestamp'] as const;

  it.skipIf(!gpu).each(modes)('%s mode', async (mode) => {
    if (mode === 'timestamp' && !gpu!.runtime.profiler.supportsTimestamps) return;
    gpu!.runtime.setProfiling(mode);
    gpu!.runtime.profiler.reset();
    try {
      const a = ops.tensor([1, 2, 3], [1, 3], { backend: gpu! });
      const b = a.add(1);
      const c = ops.tensor([10, 20, 30], [1, 3], { backend: gpu! }); // written between kernels
      const d = b.mul(c).matmul(ops.ones([3, 2], { backend: gpu! }));
      expect(await d.toArray()).toEqual([200, 200]);
      await gpu!.sync();
      const report = gpu!.runtime.profiler.report();
      expect(report.some((k) => k.kernel.startsWith('matmul.'))).toBe(true);
      expect(report.every((k) => k.ms >= 0 && k.calls >= 1)).toBe(true);
      // add, mul, fill (ones) and matmul: one entry per run, whatever the batching
      expect(report.reduce((n, k) => n + k.calls, 0)).toBe(4);
      for (const t of [a, b, c, d]) t.dispose();
    } finally {
      gpu!.runtime.setProfiling('off');
    }
  });
});
