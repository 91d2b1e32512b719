// Dispatches shaders/batchnorm.wgsl.

import source from '../../../../../shaders/batchnorm.wgsl';
import type { BatchNormLayout } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

const shader = 'batchnorm';

function uniforms(l: BatchNormLayout, extra: { momentum?: number; eps?: number; batchStats?: boolean } = {}) {
  return {
    batch: l.batch,
    channels: l.channels,
    spatial: l.spatial,
    size: l.batch * l.channels * l.spatial,
    momentum: extra.momentum ?? 0,
    eps: extra.eps ?? 0,
    batchStats: extra.batchStats ?? false,
  };
}

export function batchNormStats(ctx: GpuContext, l: EngineArgs<'batchNormStats'>): void {
  dispatchLines(
    ctx,
    { shader, source, entry: 'stats', params: 'BatchNormParams' },
    uniforms(l, { momentum: l.momentum }),
    [l.x, l.mean, l.variance, l.runningMean, l.runningVariance].map(bufferOf),
    l.channels,
  );
}

export function batchNormForward(ctx: GpuContext, l: EngineArgs<'batchNormForward'>): void {
  dispatchThreads(
    ctx,
    { shader, source, entry: 'forward', params: 'BatchNormParams' },
    uniforms(l, { eps: l.eps }),
    [l.x, l.mean, l.variance, l.gamma, l.beta, l.y].map(bufferOf),
    l.y.size,
  );
}

export function batchNormBackward(ctx: GpuContext, l: EngineArgs<'batchNormBackward'>): void {
  const { x, gy, mean, variance, gamma, gx, gGamma, gBeta } = l;
  const params = uniforms(l, { eps: l.eps, batchStats: l.batchStats });
  dispatchLines(
    ctx,
    { shader, source, entry: 'backwardReduce', params: 'BatchNormParams' },
    params,
    [x, gy, mean, variance, gGamma, gBeta].map(bufferOf),
    l.channels,
  );
  dispatchThreads(
    ctx,
    { shader, source, entry: 'backwardInput', params: 'BatchNormParams' },
    params,
    [x, gy, mean, variance, gamma, gGamma, gBeta, gx].map(bufferOf),
    gx.size,
  );
}
