// Calls asm/matmul.ts.

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function matmul(ctx: WasmContext, p: EngineArgs<'matmul'>): void {
  ctx.parallelWithScratch('matmul', ctx.call('matmulWorkspaceBytes', p.m, p.n, p.k, ctx.threads),
    addressOf(p.a), addressOf(p.b), addressOf(p.out), p.bias ? addressOf(p.bias) : 0, p.bias ? 1 : 0,
    p.batch, p.m, p.n, p.k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.aBatchStride, p.bBatchStride);
}
