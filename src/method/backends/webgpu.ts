// The method's kernels on WebGPU: shaders/augment.wgsl (one thread per output value, or one
// workgroup per image with the colour distortion) and shaders/memory_bank.wgsl (one workgroup
// per batch row).

import augmentSource from '../../../shaders/augment.wgsl';
import memoryBankSource from '../../../shaders/memory_bank.wgsl';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../../engine/backends/webgpu/context.js';
import { wgslConstants } from '../../engine/codes.js';
import { counterWords } from '../../engine/random.js';
import { BANK_CODES } from '../bank-stats.js';
import type { MemoryBankParams, MethodArgs } from '../kernels.js';

const bankSource = wgslConstants(BANK_CODES) + memoryBankSource;

function bankUniforms(p: MemoryBankParams) {
  return { rows: p.rows, cols: p.cols, colOffset: p.colOffset, tau: p.tau, lambda: p.lambda };
}

export function bankStats(ctx: GpuContext, p: MethodArgs<'bankStats'>): void {
  dispatchLines(
    ctx,
    { shader: 'memory_bank', source: bankSource, entry: 'bankStats', params: 'BankParams' },
    bankUniforms(p),
    [p.s, p.stats].map(bufferOf),
    p.rows,
  );
}

export function bankGrad(ctx: GpuContext, p: MethodArgs<'bankGrad'>): void {
  dispatchLines(
    ctx,
    { shader: 'memory_bank', source: bankSource, entry: 'bankGrad', params: 'BankParams' },
    bankUniforms(p),
    [p.s, p.stats, p.index, p.g, p.q].map(bufferOf),
    p.rows,
  );
}

export function augment(ctx: GpuContext, p: MethodArgs<'augment'>): void {
  const spec = { shader: 'augment', source: augmentSource, entry: p.colour ? 'augmentColour' : 'augment', params: 'AugmentParams' };
  const params = {
    batch: p.batch,
    height: p.height,
    width: p.width,
    crop: p.crop ? 1 : 0,
    key: p.key,
    counter: counterWords(p.counter),
    scaleMin: p.scaleMin,
    scaleMax: p.scaleMax,
    logRatioMin: Math.log(p.ratioMin),
    logRatioMax: Math.log(p.ratioMax),
    flip: p.flip ? 1 : 0,
    blocks: p.blocks,
    stride: p.blocks + (p.colour ? 2 : 0),
    channels: p.channels,
    rotateTurns: p.rotateTurns,
    translate: p.translate,
    erase: p.erase,
    eraseScaleMin: p.eraseScaleMin,
    eraseScaleMax: p.eraseScaleMax,
    eraseLogRatioMin: Math.log(p.eraseRatioMin),
    eraseLogRatioMax: Math.log(p.eraseRatioMax),
    jitter: p.jitter,
    brightness: p.brightness,
    contrast: p.contrast,
    saturation: p.saturation,
    hue: p.hue,
    grayscale: p.grayscale,
    mean: p.mean,
    deviation: p.std, // `std` is reserved in WGSL
  };
  const buffers = [bufferOf(p.pixels), bufferOf(p.index), bufferOf(p.out)];
  // the colour distortion: one workgroup per image (its contrast needs the view's mean)
  if (p.colour) dispatchLines(ctx, spec, params, buffers, p.batch);
  else dispatchThreads(ctx, spec, params, buffers, p.batch * p.channels * p.height * p.width);
}
