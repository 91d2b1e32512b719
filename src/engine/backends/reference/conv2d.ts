// Direct convolution and its two gradients: every term of the sum, accumulated in f64.

import type { Conv2dParams } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

/** Calls fn(xIndex, wIndex, yIndex) for every term of the convolution sum. */
function forEachConvTerm(p: Conv2dParams, fn: (xi: number, wi: number, yi: number) => void): void {
  const cinG = p.inChannels / p.groups,
    coutG = p.outChannels / p.groups;
  for (let n = 0; n < p.batch; n++) {
    for (let co = 0; co < p.outChannels; co++) {
      const group = Math.floor(co / coutG);
      for (let oh = 0; oh < p.outHeight; oh++) {
        for (let ow = 0; ow < p.outWidth; ow++) {
          const yi = ((n * p.outChannels + co) * p.outHeight + oh) * p.outWidth + ow;
          for (let c = 0; c < cinG; c++) {
            const ci = group * cinG + c;
            for (let kh = 0; kh < p.kernelH; kh++) {
              const ih = oh * p.strideH - p.padH + kh;
              if (ih < 0 || ih >= p.height) continue;
              for (let kw = 0; kw < p.kernelW; kw++) {
                const iw = ow * p.strideW - p.padW + kw;
                if (iw < 0 || iw >= p.width) continue;
                fn(((n * p.inChannels + ci) * p.height + ih) * p.width + iw, ((co * cinG + c) * p.kernelH + kh) * p.kernelW + kw, yi);
              }
            }
          }
        }
      }
    }
  }
}

export function conv2d({ data }: ReferenceContext, { x, w, out, ...p }: EngineArgs<'conv2d'>): void {
  const xv = data(x),
    wv = data(w),
    o = data(out);
  const acc = new Float64Array(out.size);
  forEachConvTerm(p, (xi, wi, yi) => {
    acc[yi]! += xv[xi]! * wv[wi]!;
  });
  o.set(acc);
}

export function conv2dBackwardInput({ data }: ReferenceContext, { gy, w, gx, ...p }: EngineArgs<'conv2dBackwardInput'>): void {
  const gyv = data(gy),
    wv = data(w),
    o = data(gx);
  const acc = new Float64Array(gx.size);
  forEachConvTerm(p, (xi, wi, yi) => {
    acc[xi]! += gyv[yi]! * wv[wi]!;
  });
  o.set(acc);
}

export function conv2dBackwardWeight({ data }: ReferenceContext, { x, gy, gw, ...p }: EngineArgs<'conv2dBackwardWeight'>): void {
  const xv = data(x),
    gyv = data(gy),
    o = data(gw);
  const acc = new Float64Array(gw.size);
  forEachConvTerm(p, (xi, wi, yi) => {
    acc[wi]! += gyv[yi]! * xv[xi]!;
  });
  o.set(acc);
}
