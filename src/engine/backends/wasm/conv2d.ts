// Calls asm/conv2d.ts, and asm/conv2d_winograd.ts (F(2×2, 3×3) for 3×3 convolutions of stride 1
// and padding 1). The kernel table's argument records are the kernels' records, named alike
// (Conv2dParams' fields are the kernels' geometry fields).

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function conv2d(ctx: WasmContext, p: EngineArgs<'conv2d'>): void {
  ctx.parallelWithScratch(ASM_CALLS.conv2d, ctx.call(ASM_CALLS.conv2dWorkspaceBytes, p), p);
}

export function conv2dBackwardInput(ctx: WasmContext, p: EngineArgs<'conv2dBackwardInput'>): void {
  ctx.parallelWithScratch(ASM_CALLS.conv2dBackwardInput, ctx.call(ASM_CALLS.conv2dBackwardInputWorkspaceBytes, p), p);
}

/**
 * Partial sums over fixed splits of the batch (so any thread count gives the same bits),
 * then their sum in split order.
 */
export function conv2dBackwardWeight(ctx: WasmContext, p: EngineArgs<'conv2dBackwardWeight'>): void {
  const partials = ctx.heap.alloc(ctx.call(ASM_CALLS.conv2dBackwardWeightPartialsBytes, p), true);
  try {
    const workspaceBytes = ctx.call(ASM_CALLS.conv2dBackwardWeightWorkspaceBytes, p);
    ctx.parallelWithScratch(ASM_CALLS.conv2dBackwardWeight, workspaceBytes, p, { partials });
    const splits = ctx.call(ASM_CALLS.conv2dBackwardWeightSplits, p);
    ctx.parallel(ASM_CALLS.conv2dBackwardWeightReduce, { gw: p.gw, partials, size: p.gw.size, splits });
  } finally {
    ctx.heap.release(partials);
  }
}

export function conv2dWinograd(ctx: WasmContext, p: EngineArgs<'conv2dWinograd'>): void {
  ctx.parallelWithScratch(ASM_CALLS.conv2dWinograd, ctx.call(ASM_CALLS.conv2dWinogradWorkspaceBytes, p), p);
}

export function conv2dWinogradBackwardInput(ctx: WasmContext, p: EngineArgs<'conv2dWinogradBackwardInput'>): void {
  ctx.parallelWithScratch(ASM_CALLS.conv2dWinogradBackwardInput, ctx.call(ASM_CALLS.conv2dWinogradBackwardInputWorkspaceBytes, p), p);
}

/** As conv2dBackwardWeight, with partials in the transformed domain, summed and transformed back by the reduction. */
export function conv2dWinogradBackwardWeight(ctx: WasmContext, p: EngineArgs<'conv2dWinogradBackwardWeight'>): void {
  const partials = ctx.heap.alloc(ctx.call(ASM_CALLS.conv2dWinogradBackwardWeightPartialsBytes, p), true);
  try {
    ctx.parallelWithScratch(ASM_CALLS.conv2dWinogradBackwardWeight, ctx.call(ASM_CALLS.conv2dWinogradBackwardWeightWorkspaceBytes, p), p, {
      partials,
    });
    const splits = ctx.call(ASM_CALLS.conv2dBackwardWeightSplits, p);
    ctx.parallel(ASM_CALLS.conv2dWinogradBackwardWeightReduce, { gw: p.gw, partials, filters: p.outChannels * p.inChannels, splits });
  } finally {
    ctx.heap.release(partials);
  }
}
