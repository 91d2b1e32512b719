// Calls asm/batchnorm.ts.

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function batchNormStats(ctx: WasmContext, p: EngineArgs<'batchNormStats'>): void {
  ctx.parallel('batchNormStats', addressOf(p.x), addressOf(p.mean), addressOf(p.variance),
    addressOf(p.runningMean), addressOf(p.runningVariance),
    p.momentum, p.batch, p.channels, p.spatial);
}

export function batchNormForward(ctx: WasmContext, p: EngineArgs<'batchNormForward'>): void {
  ctx.parallel('batchNormForward', addressOf(p.x), addressOf(p.mean), addressOf(p.variance), addressOf(p.gamma), addressOf(p.beta),
    addressOf(p.y), p.batch, p.channels, p.spatial, p.eps);
}

export function batchNormBackward(ctx: WasmContext, p: EngineArgs<'batchNormBackward'>): void {
  ctx.parallel('batchNormBackward', addressOf(p.x), addressOf(p.gy), addressOf(p.mean), addressOf(p.variance), addressOf(p.gamma),
    addressOf(p.gx), addressOf(p.gGamma), addressOf(p.gBeta), p.batch, p.channels, p.spatial, p.eps, p.batchStats ? 1 : 0);
}
