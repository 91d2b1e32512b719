// Calls asm/indexing.ts, after checking every index (an out-of-range row would read or
// write outside the tensor).

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function gather(ctx: WasmContext, { table, index, out, rows, cols }: EngineArgs<'gather'>): void {
  ctx.checkRows('gather', index, rows, table.size / cols);
  ctx.call(ASM_CALLS.gather, { table: addressOf(table), index: addressOf(index), out: addressOf(out), rows, cols });
}

export function scatterAdd(ctx: WasmContext, { dst, index, src, rows, cols }: EngineArgs<'scatterAdd'>): void {
  ctx.checkRows('scatterAdd', index, rows, dst.size / cols);
  ctx.call(ASM_CALLS.scatterAdd, { dst: addressOf(dst), index: addressOf(index), src: addressOf(src), rows, cols });
}
