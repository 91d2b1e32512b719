// Dispatches shaders/top_k.wgsl: one workgroup per row.

import source from '../../../../../shaders/top_k.wgsl';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, type GpuContext } from '../context.js';

export function topK(ctx: GpuContext, { s, values, indices, rows, cols, k }: EngineArgs<'topK'>): void {
  dispatchLines(
    ctx,
    { shader: 'top_k', source, entry: 'topK', params: 'TopKParams' },
    { rows, cols, k },
    [s, values, indices].map(bufferOf),
    rows,
  );
}
