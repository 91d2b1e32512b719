// Dispatches shaders/augment.wgsl: one thread per output pixel of the batch.

import type { AugmentParams, Storage } from '../../../backend.js';
import source from '../../../../shaders/augment.wgsl';
import { counterWords } from '../../../random.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

export function augment(ctx: GpuContext, pixels: Storage, index: Storage, out: Storage, p: AugmentParams): void {
  dispatchThreads(ctx, { shader: 'augment', source, entry: 'augment', params: 'AugmentParams' }, {
    batch: p.batch, height: p.height, width: p.width, crop: p.crop ? 1 : 0, key: p.key, counter: counterWords(p.counter),
    scaleMin: p.scaleMin, scaleMax: p.scaleMax, logRatioMin: Math.log(p.ratioMin), logRatioMax: Math.log(p.ratioMax),
    flip: p.flip ? 1 : 0, mean: p.mean, deviation: p.std, // `std` is reserved in WGSL
    blocks: p.blocks, rotateTurns: p.rotateTurns, translate: p.translate, erase: p.erase,
    eraseScaleMin: p.eraseScaleMin, eraseScaleMax: p.eraseScaleMax, eraseLogRatioMin: Math.log(p.eraseRatioMin), eraseLogRatioMax: Math.log(p.eraseRatioMax),
  }, [bufferOf(pixels), bufferOf(index), bufferOf(out)], p.batch * p.height * p.width);
}
