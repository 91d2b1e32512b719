// Dispatches shaders/batchnorm.wgsl.

import type { BatchNormLayout, Storage } from '../../../backend.js';
import source from '../../../../shaders/batchnorm.wgsl';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

const shader = 'batchnorm';

function uniforms(l: BatchNormLayout, extra: { momentum?: number; eps?: number; batchStats?: boolean } = {}) {
  return {
    batch: l.batch, channels: l.channels, spatial: l.spatial, size: l.batch * l.channels * l.spatial,
    momentum: extra.momentum ?? 0, eps: extra.eps ?? 0, batchStats: extra.batchStats ?? false,
  };
}

export function batchNormStats(
  ctx: GpuContext, x: Storage, mean: Storage, variance: Storage, l: BatchNormLayout,
  running: { mean: Storage; variance: Storage; momentum: number },
): void {
  dispatchLines(ctx, { shader, source, entry: 'stats', params: 'BatchNormParams' }, uniforms(l, { momentum: running.momentum }),
    [x, mean, variance, running.mean, running.variance].map(bufferOf), l.channels);
}

export function batchNormForward(
  ctx: GpuContext, x: Storage, mean: Storage, variance: Storage, gamma: Storage, beta: Storage, y: Storage, l: BatchNormLayout, eps: number,
): void {
  dispatchThreads(ctx, { shader, source, entry: 'forward', params: 'BatchNormParams' }, uniforms(l, { eps }),
    [x, mean, variance, gamma, beta, y].map(bufferOf), y.size);
}

export function batchNormBackward(
  ctx: GpuContext, x: Storage, gy: Storage, mean: Storage, variance: Storage, gamma: Storage,
  gx: Storage, gGamma: Storage, gBeta: Storage, l: BatchNormLayout, eps: number, batchStats: boolean,
): void {
  const params = uniforms(l, { eps, batchStats });
  dispatchLines(ctx, { shader, source, entry: 'backwardReduce', params: 'BatchNormParams' }, params,
    [x, gy, mean, variance, gGamma, gBeta].map(bufferOf), l.channels);
  dispatchThreads(ctx, { shader, source, entry: 'backwardInput', params: 'BatchNormParams' }, params,
    [x, gy, mean, variance, gamma, gGamma, gBeta, gx].map(bufferOf), gx.size);
}
