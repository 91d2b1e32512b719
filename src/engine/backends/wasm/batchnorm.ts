// Calls asm/batchnorm.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function batchNormStats(ctx: WasmContext, p: EngineArgs<'batchNormStats'>): void {
  ctx.parallel(ASM_CALLS.batchNormStats, p);
}

export function batchNormForward(ctx: WasmContext, p: EngineArgs<'batchNormForward'>): void {
  ctx.parallel(ASM_CALLS.batchNormForward, p);
}

export function batchNormBackward(ctx: WasmContext, p: EngineArgs<'batchNormBackward'>): void {
  ctx.parallel(ASM_CALLS.batchNormBackward, p);
}
