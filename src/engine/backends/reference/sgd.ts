// One SGD step with momentum, dampening, weight decay and Nesterov, in place.

import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

export function sgdStep({ data }: ReferenceContext, { param, grad, velocity, size, ...s }: EngineArgs<'sgdStep'>): void {
  const p = data(param),
    g = data(grad),
    v = data(velocity);
  for (let i = 0; i < size; i++) {
    const d = g[i]! + s.weightDecay * p[i]!;
    v[i] = s.momentum * v[i]! + (1 - s.dampening) * d;
    p[i]! -= s.lr * (s.nesterov ? d + s.momentum * v[i]! : v[i]!);
  }
}
