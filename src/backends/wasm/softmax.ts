// Calls asm/softmax.ts: softmax, its gradient, and cross-entropy.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function softmax(ctx: WasmContext, p: EngineArgs<'softmax'>): void {
  ctx.parallel(ASM_CALLS.softmax, { ...p, x: addressOf(p.x), out: addressOf(p.out) });
}

export function softmaxBackward(ctx: WasmContext, p: EngineArgs<'softmaxBackward'>): void {
  ctx.parallel(ASM_CALLS.softmaxBackward, { ...p, y: addressOf(p.y), gy: addressOf(p.gy), gx: addressOf(p.gx) });
}

export function crossEntropy(ctx: WasmContext, p: EngineArgs<'crossEntropy'>): void {
  ctx.checkRows('crossEntropy', p.target, p.rows, p.classes);
  ctx.parallel(ASM_CALLS.crossEntropy, { ...p, logits: addressOf(p.logits), target: addressOf(p.target), losses: addressOf(p.losses) });
}

export function crossEntropyBackward(ctx: WasmContext, p: EngineArgs<'crossEntropyBackward'>): void {
  ctx.parallel(ASM_CALLS.crossEntropyBackward, {
    ...p, logits: addressOf(p.logits), target: addressOf(p.target), gLoss: addressOf(p.gLoss), gLogits: addressOf(p.gLogits),
  });
}
