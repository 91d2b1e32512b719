// Dispatches shaders/sgd.wgsl: the in-place parameter update.

import type { SgdParams, Storage } from '../../../backend.js';
import source from '../../../../shaders/sgd.wgsl';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

export function sgdStep(ctx: GpuContext, param: Storage, grad: Storage, velocity: Storage, size: number, p: SgdParams): void {
  dispatchThreads(ctx, { shader: 'sgd', source, entry: 'sgdStep', params: 'SgdParams' },
    { size, nesterov: p.nesterov, lr: p.lr, momentum: p.momentum, dampening: p.dampening, weightDecay: p.weightDecay },
    [param, grad, velocity].map(bufferOf), size);
}
