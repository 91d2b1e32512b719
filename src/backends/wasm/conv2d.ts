// Calls asm/conv2d.ts.

import type { Conv2dParams } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

function convArgs(p: Conv2dParams): number[] {
  return [
    p.batch, p.inChannels, p.height, p.width, p.outChannels, p.kernelH, p.kernelW,
    p.strideH, p.strideW, p.padH, p.padW, p.outHeight, p.outWidth, p.groups,
  ];
}

export function conv2d(ctx: WasmContext, p: EngineArgs<'conv2d'>): void {
  const args = convArgs(p);
  ctx.parallelWithScratch('conv2d', ctx.call('conv2dWorkspaceBytes', ...args, ctx.threads),
    addressOf(p.x), addressOf(p.w), addressOf(p.out), ...args);
}

export function conv2dBackwardInput(ctx: WasmContext, p: EngineArgs<'conv2dBackwardInput'>): void {
  const args = convArgs(p);
  ctx.parallelWithScratch('conv2dBackwardInput', ctx.call('conv2dBackwardInputWorkspaceBytes', ...args, ctx.threads),
    addressOf(p.gy), addressOf(p.w), addressOf(p.gx), ...args);
}

/**
 * Partial sums over fixed splits of the batch (so any thread count gives the same bits),
 * then their sum in split order.
 */
export function conv2dBackwardWeight(ctx: WasmContext, p: EngineArgs<'conv2dBackwardWeight'>): void {
  const args = convArgs(p);
  const partials = ctx.heap.alloc(ctx.call('conv2dBackwardWeightPartialsBytes', ...args), true);
  try {
    const workspaceBytes = ctx.call('conv2dBackwardWeightWorkspaceBytes', ...args, ctx.threads);
    ctx.parallelWithScratch('conv2dBackwardWeight', workspaceBytes, addressOf(p.x), addressOf(p.gy), addressOf(p.gw), ...args, partials);
    ctx.parallel('conv2dBackwardWeightReduce', addressOf(p.gw), partials, p.gw.size, ctx.call('conv2dBackwardWeightSplits', p.batch));
  } finally {
    ctx.heap.release(partials);
  }
}
