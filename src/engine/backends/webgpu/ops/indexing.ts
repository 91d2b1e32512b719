// Dispatches shaders/indexing.wgsl.

import source from '../../../../../shaders/indexing.wgsl';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

export function gather(ctx: GpuContext, { table, index, out, rows, cols }: EngineArgs<'gather'>): void {
  dispatchThreads(
    ctx,
    { shader: 'indexing', source, entry: 'gather', params: 'IndexParams' },
    { rows, cols, tableRows: table.size / cols },
    [table, index, out].map(bufferOf),
    rows * cols,
  );
}

export function scatterAdd(ctx: GpuContext, { dst, index, src, rows, cols }: EngineArgs<'scatterAdd'>): void {
  dispatchThreads(
    ctx,
    { shader: 'indexing', source, entry: 'scatterAdd', params: 'IndexParams' },
    { rows, cols, tableRows: dst.size / cols },
    [src, index, dst].map(bufferOf),
    rows * cols,
  );
}
