// Calls asm/conv2d.ts. The kernel table's argument records are the kernels' records, named
// alike (Conv2dParams' fields are the kernels' geometry fields).

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
