// Dispatches shaders/pool.wgsl.

import type { Pool2dParams, Storage } from '../../../backend.js';
import source from '../../../../shaders/pool.wgsl';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

function uniforms(p: Pool2dParams, size: number) {
  const { height, width, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth } = p;
  return { size, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth };
}

function run(ctx: GpuContext, entry: string, p: Pool2dParams, buffers: Storage[], threads: number): void {
  dispatchThreads(ctx, { shader: 'pool', source, entry, params: 'Pool2dParams' }, uniforms(p, threads), buffers.map(bufferOf), threads);
}

export const maxPool2d = (ctx: GpuContext, x: Storage, y: Storage, argmax: Storage, p: Pool2dParams) =>
  run(ctx, 'maxPool', p, [x, y, argmax], y.size);
export const maxPool2dBackward = (ctx: GpuContext, gy: Storage, argmax: Storage, gx: Storage, p: Pool2dParams) =>
  run(ctx, 'maxPoolBackward', p, [gy, argmax, gx], gx.size);
export const avgPool2d = (ctx: GpuContext, x: Storage, y: Storage, p: Pool2dParams) =>
  run(ctx, 'avgPool', p, [x, y], y.size);
export const avgPool2dBackward = (ctx: GpuContext, gy: Storage, gx: Storage, p: Pool2dParams) =>
  run(ctx, 'avgPoolBackward', p, [gy, gx], gx.size);
