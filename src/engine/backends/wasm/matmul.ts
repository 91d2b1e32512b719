// Calls asm/matmul.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function matmul(ctx: WasmContext, p: EngineArgs<'matmul'>): void {
  ctx.parallelWithScratch(ASM_CALLS.matmul, ctx.call(ASM_CALLS.matmulWorkspaceBytes, p), p);
}
