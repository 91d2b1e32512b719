// Calls asm/l2_normalize.ts.

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function l2Normalize(ctx: WasmContext, p: EngineArgs<'l2Normalize'>): void {
  ctx.parallel('l2Normalize', addressOf(p.x), addressOf(p.out), p.outer, p.length, p.inner, p.eps);
}

export function blendNormalizeRows(ctx: WasmContext, p: EngineArgs<'blendNormalizeRows'>): void {
  ctx.parallel('blendNormalizeRows', addressOf(p.x), addressOf(p.y), addressOf(p.out), p.rows, p.length, p.alpha, p.beta, p.eps);
}

export function l2NormalizeBackward(ctx: WasmContext, p: EngineArgs<'l2NormalizeBackward'>): void {
  ctx.parallel('l2NormalizeBackward', addressOf(p.x), addressOf(p.gy), addressOf(p.gx), p.outer, p.length, p.inner, p.eps);
}
