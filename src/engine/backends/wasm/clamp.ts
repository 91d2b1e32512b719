// Calls asm/clamp.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function clamp(ctx: WasmContext, p: EngineArgs<'clamp'>): void {
  ctx.parallel(ASM_CALLS.clamp, p, { size: p.out.size });
}

export function clampBackward(ctx: WasmContext, p: EngineArgs<'clampBackward'>): void {
  ctx.parallel(ASM_CALLS.clampBackward, p, { size: p.gx.size });
}
