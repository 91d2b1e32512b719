// Calls asm/pool.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function maxPool2d(ctx: WasmContext, p: EngineArgs<'maxPool2d'>): void {
  ctx.parallel(ASM_CALLS.maxPool2d, p);
}

export function maxPool2dBackward(ctx: WasmContext, p: EngineArgs<'maxPool2dBackward'>): void {
  ctx.parallel(ASM_CALLS.maxPool2dBackward, p);
}

export function avgPool2d(ctx: WasmContext, p: EngineArgs<'avgPool2d'>): void {
  ctx.parallel(ASM_CALLS.avgPool2d, p);
}

export function avgPool2dBackward(ctx: WasmContext, p: EngineArgs<'avgPool2dBackward'>): void {
  ctx.parallel(ASM_CALLS.avgPool2dBackward, p);
}
