// Dispatches shaders/conv2d.wgsl: convolution and both its gradients as implicit GEMMs.

import type { Conv2dParams, Storage } from '../../../backend.js';
import source from '../../../../shaders/conv2d.wgsl';
import { bufferOf, type GpuContext } from '../context.js';
import { GpuStorage } from '../context.js';
import { dispatchGemm, gemmWorkgroups } from './gemm.js';
import { reduce } from './reduce.js';

const TILE_K = 16; // K chunks of the split weight gradient start on gemm.wgsl's stage boundary

function uniforms(p: Conv2dParams, splits = 1, kChunk = 0) {
  return { ...p, splits, kChunk };
}

export function conv2d(ctx: GpuContext, x: Storage, w: Storage, y: Storage, p: Conv2dParams): void {
  dispatchGemm(ctx, 'conv2d', source, uniforms(p), 'Conv2dParams', [bufferOf(x), bufferOf(w), bufferOf(y)],
    { m: p.outChannels / p.groups, n: p.batch * p.outHeight * p.outWidth, batch: p.groups }, { PASS: 0 });
}

export function conv2dBackwardInput(ctx: GpuContext, gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): void {
  dispatchGemm(ctx, 'conv2d', source, uniforms(p), 'Conv2dParams', [bufferOf(gy), bufferOf(w), bufferOf(gx)],
    { m: p.inChannels / p.groups, n: p.batch * p.height * p.width, batch: p.groups }, { PASS: 1 });
}

/**
 * The weight gradient reduces over every image and output position: a long K and a small
 * output. On devices with many cores K is split so that enough workgroups run, and the
 * partial sums are added by the reduce kernel.
 */
export function conv2dBackwardWeight(ctx: GpuContext, x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): void {
  const m = p.outChannels / p.groups;
  const n = (p.inChannels / p.groups) * p.kernelH * p.kernelW;
  const k = p.batch * p.outHeight * p.outWidth;
  const tiles = gemmWorkgroups(m, n) * p.groups;
  const maxSplits = Math.max(1, Math.floor(k / (8 * TILE_K)));
  const splits = Math.min(maxSplits, Math.max(1, Math.round(ctx.config.targetWorkgroups / tiles)));
  const kChunk = Math.ceil(k / splits / TILE_K) * TILE_K;
  const usedSplits = Math.ceil(k / kChunk);
  const partials = usedSplits > 1 ? new GpuStorage('f32', usedSplits * gw.size, ctx.runtime.pool.acquire(usedSplits * gw.size * 4)) : gw;
  dispatchGemm(ctx, 'conv2d', source, uniforms(p, usedSplits, kChunk), 'Conv2dParams', [bufferOf(x), bufferOf(gy), bufferOf(partials)],
    { m, n, batch: p.groups * usedSplits }, { PASS: 2 });
  if (partials !== gw) {
    reduce(ctx, 'sum', partials, gw, { keptShape: [gw.size], keptStrides: [1], reducedShape: [usedSplits], reducedStrides: [gw.size] });
    ctx.runtime.pool.release(bufferOf(partials));
  }
}
