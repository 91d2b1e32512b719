// Calls asm/top_k.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function topK(ctx: WasmContext, p: EngineArgs<'topK'>): void {
  ctx.parallel(ASM_CALLS.topK, p);
}
