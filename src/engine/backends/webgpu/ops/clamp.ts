// Dispatches shaders/clamp.wgsl.

import source from '../../../../../shaders/clamp.wgsl';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

export function clamp(ctx: GpuContext, { x, out, low, high }: EngineArgs<'clamp'>): void {
  const spec = { shader: 'clamp', source, entry: 'forward', params: 'ClampParams' };
  dispatchThreads(ctx, spec, { size: out.size, low, high }, [bufferOf(x), bufferOf(out)], out.size);
}

export function clampBackward(ctx: GpuContext, { x, gy, gx, low, high }: EngineArgs<'clampBackward'>): void {
  const spec = { shader: 'clamp', source, entry: 'backward', params: 'ClampParams' };
  dispatchThreads(ctx, spec, { size: gx.size, low, high }, [bufferOf(x), bufferOf(gy), bufferOf(gx)], gx.size);
}
