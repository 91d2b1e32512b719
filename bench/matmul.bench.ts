// Matmul GFLOPS of the default GEMM kernel against the naive one, at the sizes the method uses.

import { noGrad, randn } from '../src/index.js';
import type { WebGpuBackend } from '../src/node.js';
import { compare, gflops, type Row } from './harness.js';

export const MATMUL_SHAPES = [
  { name: '1024×1024×1024', m: 1024, n: 1024, k: 1024, transB: false },
  // a batch of features against a 60,000-row memory bank: B [N, d] used transposed
  { name: '256×60000×128, Bᵀ', m: 256, n: 60000, k: 128, transB: true },
];

export async function benchMatmul(backend: WebGpuBackend, reps: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const shape of MATMUL_SHAPES) {
    const a = randn([shape.m, shape.k], { backend, seed: 1 });
    const b = randn(shape.transB ? [shape.n, shape.k] : [shape.k, shape.n], { backend, seed: 2 });
    const run = () => noGrad(() => a.matmul(b, { transB: shape.transB }).dispose());
    const chosen = backend.config.gemm;
    const { candidate, baseline } = await compare(
      backend,
      run,
      () => {
        backend.config.gemm = 'naive';
        run();
        backend.config.gemm = chosen;
      },
      reps,
    );
    const flops = 2 * shape.m * shape.n * shape.k;
    rows.push({
      op: `matmul ${shape.name}`,
      kernel: chosen,
      GFLOPS: gflops(flops, candidate.median),
      'naive GFLOPS': gflops(flops, baseline.median),
      speedup: baseline.median / candidate.median,
      'median ms': candidate.median,
    });
    console.log(`  ${rows.at(-1)!.op}: ${(rows.at(-1)!.GFLOPS as number).toFixed(2)} GFLOPS`);
    a.dispose();
    b.dispose();
  }
  return rows;
}
