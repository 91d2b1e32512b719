// Calls asm/top_k.ts.

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function topK(ctx: WasmContext, p: EngineArgs<'topK'>): void {
  ctx.parallel('topK', addressOf(p.s), addressOf(p.values), addressOf(p.indices), p.rows, p.cols, p.k);
}
