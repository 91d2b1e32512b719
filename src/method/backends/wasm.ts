// The method's kernels on WebAssembly: calls into asm/augment.ts and asm/memory_bank.ts,
// which asm/index.ts compiles into the engine's one module.

import { addressOf, type WasmContext } from '../../backends/wasm/context.js';
import { counterWords } from '../../random.js';
import type { MethodArgs } from '../kernels.js';

export function bankStats(ctx: WasmContext, p: MethodArgs<'bankStats'>): void {
  ctx.parallel('bankStats', addressOf(p.s), addressOf(p.stats), p.rows, p.cols, p.tau);
}

export function bankGrad(ctx: WasmContext, p: MethodArgs<'bankGrad'>): void {
  ctx.parallel('bankGrad', addressOf(p.s), addressOf(p.stats), addressOf(p.index), addressOf(p.g), addressOf(p.q),
    p.rows, p.cols, p.colOffset, p.tau, p.lambda);
}

export function augment(ctx: WasmContext, p: MethodArgs<'augment'>): void {
  const [low, high] = counterWords(p.counter);
  ctx.checkRows('augment', p.index, p.batch, (p.pixels.size * 4) / (p.height * p.width));
  ctx.call('augment', addressOf(p.pixels), addressOf(p.index), addressOf(p.out), p.batch, p.height, p.width, p.crop ? 1 : 0,
    p.key[0], p.key[1], low, high, p.scaleMin, p.scaleMax, Math.log(p.ratioMin), Math.log(p.ratioMax), p.flip ? 1 : 0, p.mean, p.std,
    p.blocks, p.rotateTurns, p.translate, p.erase, p.eraseScaleMin, p.eraseScaleMax, Math.log(p.eraseRatioMin), Math.log(p.eraseRatioMax));
}
