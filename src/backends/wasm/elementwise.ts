// Calls asm/elementwise.ts and asm/copy.ts.

import type { BinaryOp, UnaryOp } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

const UNARY_CODES: Record<Exclude<UnaryOp, 'cast'>, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, relu: 5, abs: 6, square: 7, pow: 8, addScalar: 9, mulScalar: 10,
};
const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, reluBackward: 6, greater: 7, equal: 8,
};

export function fill(ctx: WasmContext, { out, value }: EngineArgs<'fill'>): void {
  const bits = new DataView(new ArrayBuffer(4));
  if (out.dtype === 'f32') bits.setFloat32(0, value, true);
  else bits.setInt32(0, value, true);
  ctx.call('fill', addressOf(out), out.size, bits.getUint32(0, true));
}

export function unary(ctx: WasmContext, { op, x, out, alpha }: EngineArgs<'unary'>): void {
  if (op === 'cast') ctx.call(x.dtype === 'f32' ? 'castF32ToI32' : 'castI32ToF32', addressOf(x), addressOf(out), out.size);
  else ctx.call('unary', UNARY_CODES[op], addressOf(x), addressOf(out), out.size, alpha);
}

export function binary(ctx: WasmContext, l: EngineArgs<'binary'>): void {
  if (l.out.size === 0) return;
  const layout = ctx.layout(l.shape, [l.aStrides, l.bStrides]);
  ctx.call('binary', BINARY_CODES[l.op], addressOf(l.a), addressOf(l.b), addressOf(l.out), layout);
}

export function copy(ctx: WasmContext, l: EngineArgs<'copy'>): void {
  if (l.shape.some((d) => d === 0)) return;
  const layout = ctx.layout(l.shape, [l.srcStrides, l.dstStrides]);
  ctx.call('copy', addressOf(l.src), l.srcOffset, addressOf(l.dst), l.dstOffset, layout);
}
