// Calls asm/indexing.ts, after checking every index (an out-of-range row would read or
// write outside the tensor).

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function gather(ctx: WasmContext, p: EngineArgs<'gather'>): void {
  ctx.checkRows('gather', p.index, p.rows, p.table.size / p.cols);
  ctx.call(ASM_CALLS.gather, p);
}

export function scatterAdd(ctx: WasmContext, p: EngineArgs<'scatterAdd'>): void {
  ctx.checkRows('scatterAdd', p.index, p.rows, p.dst.size / p.cols);
  ctx.call(ASM_CALLS.scatterAdd, p);
}
