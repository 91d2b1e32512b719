// Dispatches the conv2d*.wgsl shaders: convolution and both its gradients as implicit GEMMs.

import type { Conv2dParams, Storage } from '../../../backend.js';
import commonSource from '../../../../shaders/conv2d_common.wgsl';
import forward from '../../../../shaders/conv2d.wgsl';
import gradInput from '../../../../shaders/conv2d_grad_input.wgsl';
import gradWeight from '../../../../shaders/conv2d_grad_weight.wgsl';
import { bufferOf, GpuStorage, type GpuContext } from '../context.js';
import { dispatchGemm, gemmWorkgroups } from './gemm.js';
import { reduce } from './reduce.js';

const [forwardSource, gradInputSource, gradWeightSource] = [forward, gradInput, gradWeight].map((pass) => commonSource + pass);

const TILE_K = 16; // K chunks of the split weight gradient start on gemm.wgsl's stage boundary
const MIN_CHUNK = 8 * TILE_K; // shorter chunks cost more in partial sums than they gain

export function conv2d(ctx: GpuContext, x: Storage, w: Storage, y: Storage, p: Conv2dParams): void {
  dispatchGemm(ctx, 'conv2d', forwardSource, { ...p, splits: 1, kChunk: 0 }, 'Conv2dParams', [bufferOf(x), bufferOf(w), bufferOf(y)],
    { m: p.outChannels / p.groups, n: p.batch * p.outHeight * p.outWidth, batch: p.groups }, {});
}

/** One GEMM per (group, stride phase); the grid covers the largest phase, phase (0, 0). */
export function conv2dBackwardInput(ctx: GpuContext, gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): void {
  const largestPhase = p.batch * Math.ceil(p.height / p.strideH) * Math.ceil(p.width / p.strideW);
  dispatchGemm(ctx, 'conv2d_grad_input', gradInputSource, { ...p, splits: 1, kChunk: 0 }, 'Conv2dParams', [bufferOf(gy), bufferOf(w), bufferOf(gx)],
    { m: p.inChannels / p.groups, n: largestPhase, batch: p.groups * p.strideH * p.strideW }, {});
}

/**
 * The weight gradient reduces over every image and output position: a long K and a small
 * output. K is split until enough workgroups run to fill the device, and the partial sums
 * are added by the reduce kernel.
 */
export function conv2dBackwardWeight(ctx: GpuContext, x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): void {
  const m = p.outChannels / p.groups;
  const n = (p.inChannels / p.groups) * p.kernelH * p.kernelW;
  const k = p.batch * p.outHeight * p.outWidth;
  const workgroups = gemmWorkgroups(m, n, ctx.config.gemm) * p.groups;
  const maxSplits = Math.max(1, Math.floor(k / MIN_CHUNK));
  const wanted = Math.min(maxSplits, Math.max(1, Math.ceil(ctx.config.targetWorkgroups / workgroups)));
  const kChunk = Math.ceil(k / wanted / TILE_K) * TILE_K;
  const splits = Math.ceil(k / kChunk);
  const partials = splits > 1 ? new GpuStorage('f32', splits * gw.size, ctx.runtime.pool.acquire(splits * gw.size * 4)) : gw;
  dispatchGemm(ctx, 'conv2d_grad_weight', gradWeightSource, { ...p, splits, kChunk }, 'Conv2dParams',
    [bufferOf(x), bufferOf(gy), bufferOf(partials)], { m, n, batch: p.groups * splits }, {});
  if (partials !== gw) {
    reduce(ctx, 'sum', partials, gw, { keptShape: [gw.size], keptStrides: [1], reducedShape: [splits], reducedStrides: [gw.size] });
    ctx.runtime.pool.release(bufferOf(partials));
  }
}
