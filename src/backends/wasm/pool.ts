// Calls asm/pool.ts: a plane is one image's channel, so the kernels see batch × channels planes.

import type { EngineArgs } from '../../kernels.js';
import { ASM_CALLS } from './calls.js';
import { addressOf, type WasmContext } from './context.js';

export function maxPool2d(ctx: WasmContext, p: EngineArgs<'maxPool2d'>): void {
  ctx.parallel(ASM_CALLS.maxPool2d, {
    ...p, planes: p.batch * p.channels, x: addressOf(p.x), y: addressOf(p.y), argmax: addressOf(p.argmax),
  });
}

export function maxPool2dBackward(ctx: WasmContext, p: EngineArgs<'maxPool2dBackward'>): void {
  ctx.parallel(ASM_CALLS.maxPool2dBackward, {
    gy: addressOf(p.gy), argmax: addressOf(p.argmax), gx: addressOf(p.gx),
    planes: p.batch * p.channels, inPlane: p.height * p.width, outPlane: p.outHeight * p.outWidth,
  });
}

export function avgPool2d(ctx: WasmContext, p: EngineArgs<'avgPool2d'>): void {
  ctx.parallel(ASM_CALLS.avgPool2d, { ...p, planes: p.batch * p.channels, x: addressOf(p.x), y: addressOf(p.y) });
}

export function avgPool2dBackward(ctx: WasmContext, p: EngineArgs<'avgPool2dBackward'>): void {
  ctx.parallel(ASM_CALLS.avgPool2dBackward, { ...p, planes: p.batch * p.channels, gy: addressOf(p.gy), gx: addressOf(p.gx) });
}
