// Calls asm/sgd.ts.

import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

export function sgdStep(ctx: WasmContext, s: EngineArgs<'sgdStep'>): void {
  ctx.call('sgdStep', addressOf(s.param), addressOf(s.grad), addressOf(s.velocity), s.size,
    s.lr, s.momentum, s.dampening, s.weightDecay, s.nesterov ? 1 : 0);
}
