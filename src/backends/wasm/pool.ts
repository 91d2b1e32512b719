// Calls asm/pool.ts.

import type { Pool2dParams } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import { addressOf, type WasmContext } from './context.js';

function poolArgs(p: Pool2dParams): number[] {
  return [p.batch * p.channels, p.height, p.width, p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW, p.outHeight, p.outWidth];
}

export function maxPool2d(ctx: WasmContext, p: EngineArgs<'maxPool2d'>): void {
  ctx.parallel('maxPool2d', addressOf(p.x), addressOf(p.y), addressOf(p.argmax), ...poolArgs(p));
}

export function maxPool2dBackward(ctx: WasmContext, p: EngineArgs<'maxPool2dBackward'>): void {
  ctx.parallel('maxPool2dBackward', addressOf(p.gy), addressOf(p.argmax), addressOf(p.gx),
    p.batch * p.channels, p.height * p.width, p.outHeight * p.outWidth);
}

export function avgPool2d(ctx: WasmContext, p: EngineArgs<'avgPool2d'>): void {
  ctx.parallel('avgPool2d', addressOf(p.x), addressOf(p.y), ...poolArgs(p));
}

export function avgPool2dBackward(ctx: WasmContext, p: EngineArgs<'avgPool2dBackward'>): void {
  ctx.parallel('avgPool2dBackward', addressOf(p.gy), addressOf(p.gx), ...poolArgs(p));
}
