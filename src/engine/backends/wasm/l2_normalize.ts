// Calls asm/l2_normalize.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function l2Normalize(ctx: WasmContext, p: EngineArgs<'l2Normalize'>): void {
  ctx.parallel(ASM_CALLS.l2Normalize, p);
}

export function blendNormalizeRows(ctx: WasmContext, p: EngineArgs<'blendNormalizeRows'>): void {
  ctx.parallel(ASM_CALLS.blendNormalizeRows, p);
}

export function l2NormalizeBackward(ctx: WasmContext, p: EngineArgs<'l2NormalizeBackward'>): void {
  ctx.parallel(ASM_CALLS.l2NormalizeBackward, p);
}
