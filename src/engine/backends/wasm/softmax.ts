// Calls asm/softmax.ts: softmax, its gradient, and cross-entropy.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function softmax(ctx: WasmContext, p: EngineArgs<'softmax'>): void {
  ctx.parallel(ASM_CALLS.softmax, p);
}

export function softmaxBackward(ctx: WasmContext, p: EngineArgs<'softmaxBackward'>): void {
  ctx.parallel(ASM_CALLS.softmaxBackward, p);
}

export function crossEntropy(ctx: WasmContext, p: EngineArgs<'crossEntropy'>): void {
  ctx.checkRows('crossEntropy', p.target, p.rows, p.classes);
  ctx.parallel(ASM_CALLS.crossEntropy, p);
}

export function crossEntropyBackward(ctx: WasmContext, p: EngineArgs<'crossEntropyBackward'>): void {
  ctx.parallel(ASM_CALLS.crossEntropyBackward, p);
}
