// Dispatches shaders/batchnorm.wgsl.

import batchNormSource from '../../../../../shaders/batchnorm.wgsl';
import type { BatchNormLayout } from '../../../backend.js';
import { ACTIVATION_CODES, wgslConstants } from '../../../codes.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext, scratch } from '../context.js';

const shader = 'batchnorm';
const source = wgslConstants({ ACTIVATION: ACTIVATION_CODES }) + batchNormSource;

interface Extra {
  momentum?: number;
  eps?: number;
  batchStats?: boolean;
  addResidual?: boolean;
  activation?: number;
}

function uniforms(l: BatchNormLayout, extra: Extra = {}) {
  return {
    batch: l.batch,
    channels: l.channels,
    spatial: l.spatial,
    size: l.batch * l.channels * l.spatial,
    momentum: extra.momentum ?? 0,
    eps: extra.eps ?? 0,
    batchStats: extra.batchStats ?? false,
    addResidual: extra.addResidual ?? false,
    activation: extra.activation ?? ACTIVATION_CODES.none,
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
    uniforms(l, { eps: l.eps, addResidual: l.residual !== undefined, activation: l.activation }),
    [l.x, l.mean, l.variance, l.gamma, l.beta, l.residual ?? l.x, l.y].map(bufferOf),
    l.y.size,
  );
}

export function batchNormBackward(ctx: GpuContext, l: EngineArgs<'batchNormBackward'>): void {
  const { x, gy, mean, variance, gamma, gx, gGamma, gBeta } = l;
  const params = uniforms(l, { eps: l.eps, batchStats: l.batchStats, addResidual: l.gResidual !== undefined, activation: l.activation });
  const output = l.y ?? x;
  // read-write bindings must not alias, so the missing gResidual is a float of its own
  const [coefficients, gResidual] = [scratch(ctx, 3 * l.channels), l.gResidual ?? scratch(ctx, 1)];
  dispatchLines(
    ctx,
    { shader, source, entry: 'backwardReduce', params: 'BatchNormParams' },
    params,
    [x, gy, output, mean, variance, gGamma, gBeta, coefficients].map(bufferOf),
    l.channels,
  );
  dispatchThreads(
    ctx,
    { shader, source, entry: 'backwardInput', params: 'BatchNormParams' },
    params,
    [x, gy, output, gamma, coefficients, gx, gResidual].map(bufferOf),
    gx.size,
  );
  ctx.runtime.pool.release(bufferOf(coefficients));
  if (!l.gResidual) ctx.runtime.pool.release(bufferOf(gResidual));
}
