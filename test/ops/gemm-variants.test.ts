// Every variant of the GEMM core (gemm.wgsl) behind matmul and all three conv2d passes,
// on every adapter: the variant a hardware GPU picks is tested here on the software ones.
import { describe, it } from 'vitest';
import type { KernelConfig } from '../../src/engine/backends/webgpu/context.js';
import * as ops from '../../src/index.js';
import type { WebGpuBackend } from '../../src/node.js';
import { gpuCases, testBackends } from '../helpers/backends.js';
import { checkOp } from '../helpers/oracle.js';

const cases = gpuCases(await testBackends());
if (cases.length === 0) it.skip('needs a WebGPU adapter', () => {});
const variants: KernelConfig['gemm'][] = ['tiled', 'registers', 'naive'];

describe.each(cases)('GEMM variants on $name', ({ backend }) => {
  describe.skipIf(!backend).each(variants)('%s', (variant) => {
    async function withVariant(check: () => Promise<void>): Promise<void> {
      const gpu = backend as WebGpuBackend;
      const saved = { ...gpu.config };
      Object.assign(gpu.config, { gemm: variant, targetWorkgroups: 64 }); // also exercise split-K
      try {
        await check();
      } finally {
        Object.assign(gpu.config, saved);
      }
    }

    it('matmul, odd sizes, both transposed', () =>
      withVariant(() =>
        checkOp(backend!, {
          inputs: [{ shape: [71, 37] }, { shape: [45, 71] }],
          fn: (a, b) => a.matmul(b, { transA: true, transB: true }),
        }),
      ));

    it('batched matmul', () =>
      withVariant(() => checkOp(backend!, { inputs: [{ shape: [3, 20, 9] }, { shape: [3, 9, 70] }], fn: (a, b) => a.matmul(b) })));

    it('conv2d 3×3 stride 2 with groups', () =>
      withVariant(() =>
        checkOp(backend!, {
          inputs: [{ shape: [3, 4, 11, 9] }, { shape: [6, 2, 3, 3] }],
          fn: (x, w) => ops.conv2d(x, w, { stride: 2, padding: 1, groups: 2 }),
        }),
      ));

    it('conv2d with a long weight-gradient reduction (split K)', () =>
      withVariant(() =>
        checkOp(backend!, { inputs: [{ shape: [8, 3, 16, 16] }, { shape: [5, 3, 3, 3] }], fn: (x, w) => ops.conv2d(x, w, { padding: 1 }) }),
      ));
  });
});
