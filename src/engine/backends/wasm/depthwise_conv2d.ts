// Calls asm/depthwise_conv2d.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function depthwiseConv2d(ctx: WasmContext, p: EngineArgs<'depthwiseConv2d'>): void {
  ctx.parallelWithScratch(ASM_CALLS.depthwiseConv2d, ctx.call(ASM_CALLS.depthwiseConv2dWorkspaceBytes, p), p);
}

export function depthwiseConv2dBackwardInput(ctx: WasmContext, p: EngineArgs<'depthwiseConv2dBackwardInput'>): void {
  ctx.parallelWithScratch(ASM_CALLS.depthwiseConv2dBackwardInput, ctx.call(ASM_CALLS.depthwiseConv2dWorkspaceBytes, p), p);
}

export function depthwiseConv2dBackwardWeight(ctx: WasmContext, p: EngineArgs<'depthwiseConv2dBackwardWeight'>): void {
  ctx.parallelWithScratch(ASM_CALLS.depthwiseConv2dBackwardWeight, ctx.call(ASM_CALLS.depthwiseConv2dWorkspaceBytes, p), p);
}
