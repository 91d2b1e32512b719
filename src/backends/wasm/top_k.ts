// Calls asm/top_k.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function topK(ctx: WasmContext, p: EngineArgs<'topK'>): void {
  ctx.parallel(ASM_CALLS.topK, { ...p, s: addressOf(p.s), values: addressOf(p.values), indices: addressOf(p.indices) });
}
