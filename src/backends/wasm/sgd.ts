// Calls asm/sgd.ts.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function sgdStep(ctx: WasmContext, s: EngineArgs<'sgdStep'>): void {
  ctx.call(ASM_CALLS.sgdStep, { ...s, param: addressOf(s.param), grad: addressOf(s.grad), velocity: addressOf(s.velocity) });
}
