// Calls asm/softmax.ts: softmax, its gradient, and cross-entropy.

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function softmax(ctx: WasmContext, p: EngineArgs<'softmax'>): void {
  ctx.parallel('softmax', addressOf(p.x), addressOf(p.out), p.outer, p.length, p.inner, p.log ? 1 : 0);
}

export function softmaxBackward(ctx: WasmContext, p: EngineArgs<'softmaxBackward'>): void {
  ctx.parallel('softmaxBackward', addressOf(p.y), addressOf(p.gy), addressOf(p.gx), p.outer, p.length, p.inner, p.log ? 1 : 0);
}

export function crossEntropy(ctx: WasmContext, p: EngineArgs<'crossEntropy'>): void {
  ctx.checkRows('crossEntropy', p.target, p.rows, p.classes);
  ctx.parallel('crossEntropy', addressOf(p.logits), addressOf(p.target), addressOf(p.losses), p.rows, p.classes);
}

export function crossEntropyBackward(ctx: WasmContext, p: EngineArgs<'crossEntropyBackward'>): void {
  ctx.parallel('crossEntropyBackward', addressOf(p.logits), addressOf(p.target), addressOf(p.gLoss), addressOf(p.gLogits),
    p.rows, p.classes);
}
