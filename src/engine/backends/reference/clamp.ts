// Clamping to [low, high] and its gradient.

import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

export function clamp({ data }: ReferenceContext, { x, out, low, high }: EngineArgs<'clamp'>): void {
  const xv = data(x),
    o = data(out);
  for (let i = 0; i < o.length; i++) o[i] = Math.min(Math.max(xv[i]!, low), high);
}

export function clampBackward({ data }: ReferenceContext, { x, gy, gx, low, high }: EngineArgs<'clampBackward'>): void {
  const xv = data(x),
    gyv = data(gy),
    o = data(gx);
  for (let i = 0; i < o.length; i++) o[i] = xv[i]! > low && xv[i]! < high ? gyv[i]! : 0;
}
