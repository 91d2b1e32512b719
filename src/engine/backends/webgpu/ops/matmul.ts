// Dispatches shaders/matmul.wgsl (on the GEMM core) for batched matmul and linear layers.

import source from '../../../../../shaders/matmul.wgsl';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, type GpuContext } from '../context.js';
import { dispatchGemm } from './gemm.js';

export function matmul(ctx: GpuContext, p: EngineArgs<'matmul'>): void {
  const { a, b, out, bias } = p;
  dispatchGemm(
    ctx,
    'matmul',
    source,
    { m: p.m, n: p.n, k: p.k, aBatchStride: p.aBatchStride, bBatchStride: p.bBatchStride },
    'MatmulParams',
    [bufferOf(a), bufferOf(b), bufferOf(out), bias ? bufferOf(bias) : ctx.runtime.placeholder],
    { m: p.m, n: p.n, batch: p.batch },
    { TRANS_A: p.transA, TRANS_B: p.transB, HAS_BIAS: bias !== undefined },
  );
}
