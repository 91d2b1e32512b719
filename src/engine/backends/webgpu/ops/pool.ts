// Dispatches shaders/pool.wgsl.

import source from '../../../../../shaders/pool.wgsl';
import type { Pool2dParams, Storage } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

function uniforms(p: Pool2dParams, size: number) {
  const { height, width, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth } = p;
  return { size, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth };
}

function run(ctx: GpuContext, entry: string, p: Pool2dParams, buffers: Storage[], threads: number): void {
  dispatchThreads(ctx, { shader: 'pool', source, entry, params: 'Pool2dParams' }, uniforms(p, threads), buffers.map(bufferOf), threads);
}

export const maxPool2d = (ctx: GpuContext, p: EngineArgs<'maxPool2d'>) => run(ctx, 'maxPool', p, [p.x, p.y, p.argmax], p.y.size);
export const maxPool2dBackward = (ctx: GpuContext, p: EngineArgs<'maxPool2dBackward'>) =>
  run(ctx, 'maxPoolBackward', p, [p.gy, p.argmax, p.gx], p.gx.size);
export const avgPool2d = (ctx: GpuContext, p: EngineArgs<'avgPool2d'>) => run(ctx, 'avgPool', p, [p.x, p.y], p.y.size);
export const avgPool2dBackward = (ctx: GpuContext, p: EngineArgs<'avgPool2dBackward'>) =>
  run(ctx, 'avgPoolBackward', p, [p.gy, p.gx], p.gx.size);
