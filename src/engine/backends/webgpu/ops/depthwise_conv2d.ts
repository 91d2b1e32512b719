// Dispatches shaders/depthwise_conv2d.wgsl.

import source from '../../../../../shaders/depthwise_conv2d.wgsl';
import type { Conv2dParams, Storage } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

/** The shader's DepthwiseParams; `size` counts the threads (or, for the weight gradient, the workgroups). */
function uniforms(p: Conv2dParams, size: number) {
  const { batch, height, width, padH, padW, outHeight, outWidth } = p;
  return { size, batch, channels: p.inChannels, height, width, padH, padW, outHeight, outWidth };
}

/** Entry `entry` for the kernel size and stride of `p`, which the shader takes as pipeline constants. */
function spec(entry: string, p: Conv2dParams) {
  const constants = { KERNEL_H: p.kernelH, KERNEL_W: p.kernelW, STRIDE_H: p.strideH, STRIDE_W: p.strideW };
  return { shader: 'depthwise_conv2d', source, entry, params: 'DepthwiseParams', constants };
}

const buffers = (storages: Storage[]) => storages.map(bufferOf);

export function depthwiseConv2d(ctx: GpuContext, p: EngineArgs<'depthwiseConv2d'>): void {
  dispatchThreads(ctx, spec('forward', p), uniforms(p, p.out.size), buffers([p.x, p.w, p.out]), p.out.size);
}

export function depthwiseConv2dBackwardInput(ctx: GpuContext, p: EngineArgs<'depthwiseConv2dBackwardInput'>): void {
  dispatchThreads(ctx, spec('backwardInput', p), uniforms(p, p.gx.size), buffers([p.gy, p.w, p.gx]), p.gx.size);
}

export function depthwiseConv2dBackwardWeight(ctx: GpuContext, p: EngineArgs<'depthwiseConv2dBackwardWeight'>): void {
  dispatchLines(ctx, spec('backwardWeight', p), uniforms(p, p.gw.size), buffers([p.x, p.gy, p.gw]), p.gw.size);
}
