// Dispatches shaders/top_k.wgsl: one workgroup per row.

import type { Storage, TopKParams } from '../../../backend.js';
import source from '../../../../shaders/top_k.wgsl';
import { bufferOf, dispatchLines, type GpuContext } from '../context.js';

export function topK(ctx: GpuContext, s: Storage, values: Storage, indices: Storage, p: TopKParams): void {
  dispatchLines(ctx, { shader: 'top_k', source, entry: 'topK', params: 'TopKParams' }, { ...p }, [s, values, indices].map(bufferOf), p.rows);
}
