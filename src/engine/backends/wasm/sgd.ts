// Calls asm/sgd.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function sgdStep(ctx: WasmContext, s: EngineArgs<'sgdStep'>): void {
  ctx.call(ASM_CALLS.sgdStep, s);
}
