// Dispatches shaders/reduce.wgsl: a workgroup per output for long reductions, a thread per
// output for short ones.

import type { ReduceOp } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import source from '../../../../shaders/reduce.wgsl';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

const CODES: Record<ReduceOp, number> = { sum: 0, max: 1, argmax: 2 };

/** Below this many reduced elements per output a single thread does the whole reduction. */
const NARROW_LIMIT = 64;

export function reduce(ctx: GpuContext, layout: EngineArgs<'reduce'>): void {
  const { op, x, out } = layout;
  const count = layout.reducedShape.reduce((p, d) => p * d, 1);
  const params = {
    outputs: out.size, count, keptRank: layout.keptShape.length, reducedRank: layout.reducedShape.length,
    keptShape: layout.keptShape, keptStrides: layout.keptStrides, reducedShape: layout.reducedShape, reducedStrides: layout.reducedStrides,
  };
  const buffers = [bufferOf(x), bufferOf(out)];
  const constants = { OP: CODES[op] };
  if (count < NARROW_LIMIT) {
    dispatchThreads(ctx, { shader: 'reduce', source, entry: 'reduceNarrow', params: 'ReduceParams', constants }, params, buffers, out.size);
  } else {
    dispatchLines(ctx, { shader: 'reduce', source, entry: 'reduceWide', params: 'ReduceParams', constants }, params, buffers, out.size);
  }
}
