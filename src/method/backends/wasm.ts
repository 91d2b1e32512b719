// The method's kernels on WebAssembly: calls into asm/augment.ts and asm/memory_bank.ts,
// which asm/index.ts compiles into the engine's one module. Their records are declared here;
// scripts/asm.mjs generates the AssemblyScript side from them too, and wasm.writers.ts.

import type { WasmContext } from '../../engine/backends/wasm/context.js';
import { asmCall, useWriters } from '../../engine/backends/wasm/records.js';
import { counterWords } from '../../engine/random.js';
import type { MethodArgs } from '../kernels.js';
import { WRITERS } from './wasm.writers.js';

const BANK = { rows: 'i32', cols: 'i32', colOffset: 'i32', tau: 'f32', lambda: 'f32' } as const;

export const METHOD_ASM_CALLS = {
  bankStats: asmCall('bankStats', { s: 'ptr', stats: 'ptr', ...BANK }, { parallel: true }),
  bankGrad: asmCall('bankGrad', { s: 'ptr', stats: 'ptr', index: 'ptr', g: 'ptr', q: 'ptr', ...BANK }, { parallel: true }),
  /** The ratios' logarithms, as the kernel draws them uniformly. */
  augment: asmCall('augment', {
    pixels: 'ptr',
    index: 'ptr',
    out: 'ptr',
    batch: 'i32',
    height: 'i32',
    width: 'i32',
    crop: 'bool',
    key0: 'u32',
    key1: 'u32',
    counterLow: 'u32',
    counterHigh: 'u32',
    scaleMin: 'f32',
    scaleMax: 'f32',
    logRatioMin: 'f32',
    logRatioMax: 'f32',
    flip: 'bool',
    blocks: 'i32',
    rotateTurns: 'f32',
    translate: 'f32',
    erase: 'f32',
    eraseScaleMin: 'f32',
    eraseScaleMax: 'f32',
    eraseLogRatioMin: 'f32',
    eraseLogRatioMax: 'f32',
    channels: 'i32',
    colour: 'bool',
    jitter: 'f32',
    brightness: 'f32',
    contrast: 'f32',
    saturation: 'f32',
    hue: 'f32',
    grayscale: 'f32',
    mean0: 'f32',
    mean1: 'f32',
    mean2: 'f32',
    mean3: 'f32',
    std0: 'f32',
    std1: 'f32',
    std2: 'f32',
    std3: 'f32',
  }),
} as const;
useWriters(METHOD_ASM_CALLS, WRITERS);

export function bankStats(ctx: WasmContext, p: MethodArgs<'bankStats'>): void {
  ctx.parallel(METHOD_ASM_CALLS.bankStats, p);
}

export function bankGrad(ctx: WasmContext, p: MethodArgs<'bankGrad'>): void {
  ctx.parallel(METHOD_ASM_CALLS.bankGrad, p);
}

export function augment(ctx: WasmContext, p: MethodArgs<'augment'>): void {
  const [counterLow, counterHigh] = counterWords(p.counter);
  ctx.checkRows('augment', p.index, p.batch, (p.pixels.size * 4) / (p.channels * p.height * p.width));
  const [mean0 = 0, mean1 = 0, mean2 = 0, mean3 = 0] = p.mean;
  const [std0 = 1, std1 = 1, std2 = 1, std3 = 1] = p.std;
  ctx.call(METHOD_ASM_CALLS.augment, p, {
    mean0,
    mean1,
    mean2,
    mean3,
    std0,
    std1,
    std2,
    std3,
    key0: p.key[0],
    key1: p.key[1],
    counterLow,
    counterHigh,
    logRatioMin: Math.log(p.ratioMin),
    logRatioMax: Math.log(p.ratioMax),
    eraseLogRatioMin: Math.log(p.eraseRatioMin),
    eraseLogRatioMax: Math.log(p.eraseRatioMax),
  });
}
