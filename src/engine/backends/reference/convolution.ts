// What the direct convolutions (conv2d.ts, depthwise_conv2d.ts) share: given a walk over the
// terms of the sum, the forward pass and both gradients, each accumulated in f64.

import type { Conv2dParams } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

/** Calls fn(xIndex, wIndex, yIndex) for every term of a convolution's sum. */
export type ConvTerms = (p: Conv2dParams, fn: (xi: number, wi: number, yi: number) => void) => void;

/** The forward pass and both gradients of the convolution whose terms `terms` walks. */
export function convolution(terms: ConvTerms) {
  return {
    forward({ data }: ReferenceContext, { x, w, out, ...p }: EngineArgs<'conv2d'>): void {
      const xv = data(x),
        wv = data(w),
        acc = new Float64Array(out.size);
      terms(p, (xi, wi, yi) => {
        acc[yi]! += xv[xi]! * wv[wi]!;
      });
      data(out).set(acc);
    },
    backwardInput({ data }: ReferenceContext, { gy, w, gx, ...p }: EngineArgs<'conv2dBackwardInput'>): void {
      const gyv = data(gy),
        wv = data(w),
        acc = new Float64Array(gx.size);
      terms(p, (xi, wi, yi) => {
        acc[xi]! += gyv[yi]! * wv[wi]!;
      });
      data(gx).set(acc);
    },
    backwardWeight({ data }: ReferenceContext, { x, gy, gw, ...p }: EngineArgs<'conv2dBackwardWeight'>): void {
      const xv = data(x),
        gyv = data(gy),
        acc = new Float64Array(gw.size);
      terms(p, (xi, wi, yi) => {
        acc[wi]! += gyv[yi]! * xv[xi]!;
      });
      data(gw).set(acc);
    },
  };
}
