// Dispatches the conv2d*.wgsl shaders: convolution and both its gradients as implicit GEMMs.

import forward from '../../../../../shaders/conv2d.wgsl';
import commonSource from '../../../../../shaders/conv2d_common.wgsl';
import gradInput from '../../../../../shaders/conv2d_grad_input.wgsl';
import gradWeight from '../../../../../shaders/conv2d_grad_weight.wgsl';
import type { Conv2dParams } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, type GpuContext, GpuStorage } from '../context.js';
import { dispatchGemm, GEMM_TILES, gemmWorkgroups } from './gemm.js';
import { reduce } from './reduce.js';

const [forwardSource, gradInputSource, gradWeightSource] = [forward, gradInput, gradWeight].map((pass) => commonSource + pass);

/** The shortest chunk of a split K: shorter ones cost more in partial sums than they gain. */
export const MIN_CHUNK = 8 * GEMM_TILES.tileK;

/** The shaders' Conv2dParams: the geometry, and how the weight gradient splits its K axis. */
function uniforms(p: Conv2dParams, splits: number, kChunk: number) {
  const { batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth, groups } = p;
  return {
    batch,
    inChannels,
    height,
    width,
    outChannels,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    outHeight,
    outWidth,
    groups,
    splits,
    kChunk,
  };
}

export function conv2d(ctx: GpuContext, p: EngineArgs<'conv2d'>): void {
  dispatchGemm(
    ctx,
    'conv2d',
    forwardSource,
    uniforms(p, 1, 0),
    'Conv2dParams',
    [bufferOf(p.x), bufferOf(p.w), bufferOf(p.out)],
    { m: p.outChannels / p.groups, n: p.batch * p.outHeight * p.outWidth, batch: p.groups },
    {},
  );
}

/** One GEMM per (group, stride phase); the grid covers the largest phase, phase (0, 0). */
export function conv2dBackwardInput(ctx: GpuContext, p: EngineArgs<'conv2dBackwardInput'>): void {
  const largestPhase = p.batch * Math.ceil(p.height / p.strideH) * Math.ceil(p.width / p.strideW);
  dispatchGemm(
    ctx,
    'conv2d_grad_input',
    gradInputSource,
    uniforms(p, 1, 0),
    'Conv2dParams',
    [bufferOf(p.gy), bufferOf(p.w), bufferOf(p.gx)],
    { m: p.inChannels / p.groups, n: largestPhase, batch: p.groups * p.strideH * p.strideW },
    {},
  );
}

/**
 * The weight gradient reduces over every image and output position: a long K and a small
 * output. K is split until enough workgroups run to fill the device, and the partial sums
 * are added by the reduce kernel.
 */
export function conv2dBackwardWeight(ctx: GpuContext, p: EngineArgs<'conv2dBackwardWeight'>): void {
  const { x, gy, gw } = p;
  const m = p.outChannels / p.groups;
  const n = (p.inChannels / p.groups) * p.kernelH * p.kernelW;
  const k = p.batch * p.outHeight * p.outWidth;
  const workgroups = gemmWorkgroups(m, n, ctx.config.gemm) * p.groups;
  const maxSplits = Math.max(1, Math.floor(k / MIN_CHUNK));
  const wanted = Math.min(maxSplits, Math.max(1, Math.ceil(ctx.config.targetWorkgroups / workgroups)));
  // K chunks of the split weight gradient start on gemm.wgsl's stage boundary
  const kChunk = Math.ceil(k / wanted / GEMM_TILES.tileK) * GEMM_TILES.tileK;
  const splits = Math.ceil(k / kChunk);
  const partials = splits > 1 ? new GpuStorage('f32', splits * gw.size, ctx.runtime.pool.acquire(splits * gw.size * 4)) : gw;
  dispatchGemm(
    ctx,
    'conv2d_grad_weight',
    gradWeightSource,
    uniforms(p, splits, kChunk),
    'Conv2dParams',
    [bufferOf(x), bufferOf(gy), bufferOf(partials)],
    { m, n, batch: p.groups * splits },
    {},
  );
  if (partials !== gw) {
    reduce(ctx, {
      op: 'sum',
      x: partials,
      out: gw,
      keptShape: [gw.size],
      keptStrides: [1],
      reducedShape: [splits],
      reducedStrides: [gw.size],
    });
    ctx.runtime.pool.release(bufferOf(partials));
  }
}
