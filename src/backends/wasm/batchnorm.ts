// Calls asm/batchnorm.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function batchNormStats(ctx: WasmContext, p: EngineArgs<'batchNormStats'>): void {
  ctx.parallel(ASM_CALLS.batchNormStats, {
    ...p, x: addressOf(p.x), mean: addressOf(p.mean), variance: addressOf(p.variance),
    runningMean: addressOf(p.runningMean), runningVariance: addressOf(p.runningVariance),
  });
}

export function batchNormForward(ctx: WasmContext, p: EngineArgs<'batchNormForward'>): void {
  ctx.parallel(ASM_CALLS.batchNormForward, {
    ...p, x: addressOf(p.x), mean: addressOf(p.mean), variance: addressOf(p.variance), gamma: addressOf(p.gamma), beta: addressOf(p.beta),
    y: addressOf(p.y),
  });
}

export function batchNormBackward(ctx: WasmContext, p: EngineArgs<'batchNormBackward'>): void {
  ctx.parallel(ASM_CALLS.batchNormBackward, {
    ...p, x: addressOf(p.x), gy: addressOf(p.gy), mean: addressOf(p.mean), variance: addressOf(p.variance), gamma: addressOf(p.gamma),
    gx: addressOf(p.gx), gGamma: addressOf(p.gGamma), gBeta: addressOf(p.gBeta),
  });
}
