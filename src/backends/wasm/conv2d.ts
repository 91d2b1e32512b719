// Calls asm/conv2d.ts. Conv2dParams' fields are the kernels' geometry fields by name.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function conv2d(ctx: WasmContext, p: EngineArgs<'conv2d'>): void {
  ctx.parallelWithScratch(ASM_CALLS.conv2d, ctx.call(ASM_CALLS.conv2dWorkspaceBytes, { ...p, parts: ctx.threads }),
    { ...p, x: addressOf(p.x), w: addressOf(p.w), out: addressOf(p.out) });
}

export function conv2dBackwardInput(ctx: WasmContext, p: EngineArgs<'conv2dBackwardInput'>): void {
  const workspaceBytes = ctx.call(ASM_CALLS.conv2dBackwardInputWorkspaceBytes, { ...p, parts: ctx.threads });
  ctx.parallelWithScratch(ASM_CALLS.conv2dBackwardInput, workspaceBytes, {
    ...p, gy: addressOf(p.gy), w: addressOf(p.w), gx: addressOf(p.gx),
  });
}

/**
 * Partial sums over fixed splits of the batch (so any thread count gives the same bits),
 * then their sum in split order.
 */
export function conv2dBackwardWeight(ctx: WasmContext, p: EngineArgs<'conv2dBackwardWeight'>): void {
  const size = { ...p, parts: ctx.threads };
  const partials = ctx.heap.alloc(ctx.call(ASM_CALLS.conv2dBackwardWeightPartialsBytes, size), true);
  try {
    const workspaceBytes = ctx.call(ASM_CALLS.conv2dBackwardWeightWorkspaceBytes, size);
    const gw = addressOf(p.gw);
    ctx.parallelWithScratch(ASM_CALLS.conv2dBackwardWeight, workspaceBytes, { ...p, x: addressOf(p.x), gy: addressOf(p.gy), gw, partials });
    const splits = ctx.call(ASM_CALLS.conv2dBackwardWeightSplits, p);
    ctx.parallel(ASM_CALLS.conv2dBackwardWeightReduce, { gw, partials, size: p.gw.size, splits });
  } finally {
    ctx.heap.release(partials);
  }
}
