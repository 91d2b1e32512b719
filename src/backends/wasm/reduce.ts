// Calls asm/reduce.ts.

import type { ReduceOp } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import { LAYOUT, addressOf, type WasmContext } from './context.js';

const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1, argmax: 2 };

export function reduce(ctx: WasmContext, l: EngineArgs<'reduce'>): void {
  const keptSize = l.keptShape.reduce((p, d) => p * d, 1);
  if (keptSize === 0) return;
  // two layout blocks side by side: kept, then reduced
  const { buffer } = ctx.memory;
  const kept = ctx.layout(l.keptShape, [l.keptStrides]);
  const keptWords = new Int32Array(buffer, kept, 1 + 2 * new Int32Array(buffer, kept, 1)[0]!).slice();
  const reduced = ctx.layout(l.reducedShape, [l.reducedStrides]);
  const reducedWords = new Int32Array(buffer, reduced, 1 + 2 * new Int32Array(buffer, reduced, 1)[0]!).slice();
  const both = new Int32Array(buffer, LAYOUT, keptWords.length + reducedWords.length);
  both.set(keptWords);
  both.set(reducedWords, keptWords.length);
  ctx.call('reduce', REDUCE_CODES[l.op], addressOf(l.x), addressOf(l.out), keptSize, LAYOUT, LAYOUT + keptWords.length * 4);
}
