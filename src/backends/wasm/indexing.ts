// Calls asm/indexing.ts, after checking every index (an out-of-range row would read or
// write outside the tensor).

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function gather(ctx: WasmContext, { table, index, out, rows, cols }: EngineArgs<'gather'>): void {
  ctx.checkRows('gather', index, rows, table.size / cols);
  ctx.call('gather', addressOf(table), addressOf(index), addressOf(out), rows, cols);
}

export function scatterAdd(ctx: WasmContext, { dst, index, src, rows, cols }: EngineArgs<'scatterAdd'>): void {
  ctx.checkRows('scatterAdd', index, rows, dst.size / cols);
  ctx.call('scatterAdd', addressOf(dst), addressOf(index), addressOf(src), rows, cols);
}
