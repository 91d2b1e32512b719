// Max and average pooling over NCHW windows, and their gradients.

import type { Pool2dParams } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

/** Calls fn(outIndex, inIndex or -1 for padding, planeBase) for every window position. */
function forEachWindow(p: Pool2dParams, fn: (yi: number, xi: number, plane: number) => void): void {
  for (let plane = 0; plane < p.batch * p.channels; plane++) {
    for (let oh = 0; oh < p.outHeight; oh++) {
      for (let ow = 0; ow < p.outWidth; ow++) {
        const yi = (plane * p.outHeight + oh) * p.outWidth + ow;
        for (let kh = 0; kh < p.kernelH; kh++) {
          for (let kw = 0; kw < p.kernelW; kw++) {
            const ih = oh * p.strideH - p.padH + kh,
              iw = ow * p.strideW - p.padW + kw;
            const inside = ih >= 0 && ih < p.height && iw >= 0 && iw < p.width;
            fn(yi, inside ? ih * p.width + iw : -1, plane * p.height * p.width);
          }
        }
      }
    }
  }
}

export function maxPool2d({ data }: ReferenceContext, { x, y, argmax, ...p }: EngineArgs<'maxPool2d'>): void {
  const xv = data(x),
    yv = data(y),
    av = data(argmax);
  yv.fill(-Infinity);
  forEachWindow(p, (yi, xi, plane) => {
    if (xi >= 0 && xv[plane + xi]! > yv[yi]!) {
      yv[yi] = xv[plane + xi]!;
      av[yi] = xi;
    }
  });
}

export function maxPool2dBackward({ data }: ReferenceContext, { gy, argmax, gx, ...p }: EngineArgs<'maxPool2dBackward'>): void {
  const gyv = data(gy),
    av = data(argmax),
    gxv = data(gx);
  gxv.fill(0);
  const planeSize = p.height * p.width,
    outPlane = p.outHeight * p.outWidth;
  for (let yi = 0; yi < gy.size; yi++) gxv[Math.floor(yi / outPlane) * planeSize + av[yi]!]! += gyv[yi]!;
}

export function avgPool2d({ data }: ReferenceContext, { x, y, ...p }: EngineArgs<'avgPool2d'>): void {
  const xv = data(x),
    yv = data(y),
    area = p.kernelH * p.kernelW;
  const acc = new Float64Array(y.size);
  forEachWindow(p, (yi, xi, plane) => {
    if (xi >= 0) acc[yi]! += xv[plane + xi]!;
  });
  for (let i = 0; i < y.size; i++) yv[i] = acc[i]! / area;
}

export function avgPool2dBackward({ data }: ReferenceContext, { gy, gx, ...p }: EngineArgs<'avgPool2dBackward'>): void {
  const gyv = data(gy),
    gxv = data(gx),
    area = p.kernelH * p.kernelW;
  const acc = new Float64Array(gx.size);
  forEachWindow(p, (yi, xi, plane) => {
    if (xi >= 0) acc[plane + xi]! += gyv[yi]! / area;
  });
  gxv.set(acc);
}
