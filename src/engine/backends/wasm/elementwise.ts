// Calls asm/elementwise.ts and asm/copy.ts.

import { BINARY_CODES, UNARY_CODES } from '../../codes.js';
import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import type { WasmContext } from './context.js';

export function fill(ctx: WasmContext, { out, value }: EngineArgs<'fill'>): void {
  const bits = new DataView(new ArrayBuffer(4));
  if (out.dtype === 'f32') bits.setFloat32(0, value, true);
  else bits.setInt32(0, value, true);
  ctx.call(ASM_CALLS.fill, { out, size: out.size, bits: bits.getUint32(0, true) });
}

export function unary(ctx: WasmContext, { op, x, out, alpha }: EngineArgs<'unary'>): void {
  if (op === 'cast') ctx.call(x.dtype === 'f32' ? ASM_CALLS.castF32ToI32 : ASM_CALLS.castI32ToF32, { x, out, size: out.size });
  else ctx.call(ASM_CALLS.unary, { op: UNARY_CODES[op], x, out, size: out.size, alpha });
}

/**
 * Below this many outputs a binary op runs on one thread: waking the others costs more than
 * the pass (`npm run bench -- scaling` found the gradients' adds, 0.2–1.6 M floats, on one).
 */
const PARALLEL_BINARY = 1 << 16;

export function binary(ctx: WasmContext, l: EngineArgs<'binary'>): void {
  if (l.out.size === 0) return;
  const layout = ctx.layout(l.shape, [l.aStrides, l.bStrides]);
  const values = { op: BINARY_CODES[l.op], a: l.a, b: l.b, out: l.out, layout };
  if (l.out.size >= PARALLEL_BINARY) ctx.parallel(ASM_CALLS.binary, values);
  else ctx.call(ASM_CALLS.binary, values);
}

export function copy(ctx: WasmContext, l: EngineArgs<'copy'>): void {
  if (l.shape.some((d) => d === 0)) return;
  const layout = ctx.layout(l.shape, [l.srcStrides, l.dstStrides]);
  ctx.call(ASM_CALLS.copy, { src: l.src, srcOffset: l.srcOffset, dst: l.dst, dstOffset: l.dstOffset, layout });
}
