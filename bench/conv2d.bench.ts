// Conv2d forward and both gradients at the shapes of fmnist-resnet, against the naive GEMM.

import { conv2dGeometry } from '../src/engine/ops/geometry.js';
import { fmnistResNetConvShapes, KERNELS, randn } from '../src/index.js';
import type { WebGpuBackend } from '../src/node.js';
import { compare, gflops, type Row } from './harness.js';

export async function benchConv2d(backend: WebGpuBackend, batch: number, reps: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const shape of fmnistResNetConvShapes(batch)) {
    const p = conv2dGeometry(shape.x, shape.w, shape.stride, shape.padding, 1);
    const x = randn(shape.x, { backend, seed: 1 });
    const w = randn(shape.w, { backend, seed: 2 });
    const y = randn([p.batch, p.outChannels, p.outHeight, p.outWidth], { backend, seed: 3 });
    const flops = 2 * p.batch * p.outChannels * p.outHeight * p.outWidth * p.inChannels * p.kernelH * p.kernelW;
    const passes: [string, () => void][] = [
      ['forward', () => backend.run(KERNELS.conv2d, { x: x.storage, w: w.storage, out: y.storage, ...p })],
      ['grad input', () => backend.run(KERNELS.conv2dBackwardInput, { gy: y.storage, w: w.storage, gx: x.storage, ...p })],
      ['grad weight', () => backend.run(KERNELS.conv2dBackwardWeight, { x: x.storage, gy: y.storage, gw: w.storage, ...p })],
    ];
    const chosen = backend.config.gemm;
    for (const [pass, run] of passes) {
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
      rows.push({
        conv: shape.name,
        pass,
        GFLOPS: gflops(flops, candidate.median),
        'naive GFLOPS': gflops(flops, baseline.median),
        speedup: baseline.median / candidate.median,
        'median ms': candidate.median,
      });
      console.log(`  ${shape.name} ${pass}: ${(rows.at(-1)!.GFLOPS as number).toFixed(2)} GFLOPS`);
    }
    for (const t of [x, w, y]) t.dispose();
  }
  return rows;
}
