// Calls asm/matmul.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function matmul(ctx: WasmContext, p: EngineArgs<'matmul'>): void {
  ctx.parallelWithScratch(ASM_CALLS.matmul, ctx.call(ASM_CALLS.matmulWorkspaceBytes, { ...p, parts: ctx.threads }), {
    ...p, a: addressOf(p.a), b: addressOf(p.b), out: addressOf(p.out), bias: p.bias ? addressOf(p.bias) : 0, hasBias: !!p.bias,
  });
}
