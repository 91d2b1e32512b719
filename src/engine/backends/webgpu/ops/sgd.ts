// Dispatches shaders/sgd.wgsl: the in-place parameter update.

import source from '../../../../../shaders/sgd.wgsl';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

export function sgdStep(ctx: GpuContext, p: EngineArgs<'sgdStep'>): void {
  const { param, grad, velocity, size } = p;
  dispatchThreads(
    ctx,
    { shader: 'sgd', source, entry: 'sgdStep', params: 'SgdParams' },
    { size, nesterov: p.nesterov, lr: p.lr, momentum: p.momentum, dampening: p.dampening, weightDecay: p.weightDecay },
    [param, grad, velocity].map(bufferOf),
    size,
  );
}
