// Calls asm/random.ts.

import type { EngineArgs } from '../../kernels.js';
import { counterWords } from '../../random.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function random(ctx: WasmContext, p: EngineArgs<'random'>): void {
  const [counterLow, counterHigh] = counterWords(p.counter);
  ctx.call(ASM_CALLS.random, {
    out: p.out,
    size: p.out.size,
    normal: p.distribution === 'normal',
    key0: p.key[0],
    key1: p.key[1],
    counterLow,
    counterHigh,
    a: p.a,
    b: p.b,
  });
}
