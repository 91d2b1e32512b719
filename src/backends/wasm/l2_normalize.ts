// Calls asm/l2_normalize.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function l2Normalize(ctx: WasmContext, p: EngineArgs<'l2Normalize'>): void {
  ctx.parallel(ASM_CALLS.l2Normalize, { ...p, x: addressOf(p.x), out: addressOf(p.out) });
}

export function blendNormalizeRows(ctx: WasmContext, p: EngineArgs<'blendNormalizeRows'>): void {
  ctx.parallel(ASM_CALLS.blendNormalizeRows, { ...p, x: addressOf(p.x), y: addressOf(p.y), out: addressOf(p.out) });
}

export function l2NormalizeBackward(ctx: WasmContext, p: EngineArgs<'l2NormalizeBackward'>): void {
  ctx.parallel(ASM_CALLS.l2NormalizeBackward, { ...p, x: addressOf(p.x), gy: addressOf(p.gy), gx: addressOf(p.gx) });
}
