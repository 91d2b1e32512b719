// Dispatches shaders/reduce.wgsl: a workgroup per output for long reductions, a thread per
// output for short ones.

import reduceSource from '../../../../../shaders/reduce.wgsl';
import { REDUCE_CODES, wgslConstants } from '../../../codes.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

const source = wgslConstants({ REDUCE: REDUCE_CODES }) + reduceSource;

/** Below this many reduced elements per output a single thread does the whole reduction. */
const NARROW_LIMIT = 64;

export function reduce(ctx: GpuContext, layout: EngineArgs<'reduce'>): void {
  const { op, x, out } = layout;
  const count = layout.reducedShape.reduce((p, d) => p * d, 1);
  const params = {
    outputs: out.size,
    count,
    keptRank: layout.keptShape.length,
    reducedRank: layout.reducedShape.length,
    keptShape: layout.keptShape,
    keptStrides: layout.keptStrides,
    reducedShape: layout.reducedShape,
    reducedStrides: layout.reducedStrides,
  };
  const buffers = [bufferOf(x), bufferOf(out)];
  const constants = { OP: REDUCE_CODES[op] };
  if (count < NARROW_LIMIT) {
    dispatchThreads(ctx, { shader: 'reduce', source, entry: 'reduceNarrow', params: 'ReduceParams', constants }, params, buffers, out.size);
  } else {
    dispatchLines(ctx, { shader: 'reduce', source, entry: 'reduceWide', params: 'ReduceParams', constants }, params, buffers, out.size);
  }
}
