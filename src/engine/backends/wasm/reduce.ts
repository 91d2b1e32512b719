// Calls asm/reduce.ts.

import { REDUCE_CODES } from '../../codes.js';
import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { LAYOUT, type WasmContext } from './context.js';

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
  ctx.call(ASM_CALLS.reduce, {
    op: REDUCE_CODES[l.op],
    x: l.x,
    out: l.out,
    keptSize,
    kept: LAYOUT,
    reduced: LAYOUT + keptWords.length * 4,
  });
}
