// Calls asm/random.ts.

import type { EngineArgs } from '../../kernels.js';
import { counterWords } from '../../random.js';
import { addressOf, type WasmContext } from './context.js';

export function random(ctx: WasmContext, p: EngineArgs<'random'>): void {
  const [low, high] = counterWords(p.counter);
  ctx.call('random', addressOf(p.out), p.out.size, p.distribution === 'normal' ? 1 : 0, p.key[0], p.key[1], low, high, p.a, p.b);
}
