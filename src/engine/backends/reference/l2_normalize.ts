// L2 normalisation along an axis, its gradient, and the fused blend-and-normalise of rows.

import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';
import { forEachLine } from './strided.js';

export function l2Normalize({ data }: ReferenceContext, { x, out, eps, ...l }: EngineArgs<'l2Normalize'>): void {
  const xv = data(x),
    o = data(out);
  forEachLine(l, (at) => {
    let squares = 0;
    for (let j = 0; j < l.length; j++) squares += xv[at(j)]! ** 2;
    const norm = Math.max(Math.sqrt(squares), eps);
    for (let j = 0; j < l.length; j++) o[at(j)] = xv[at(j)]! / norm;
  });
}

export function blendNormalizeRows({ data }: ReferenceContext, args: EngineArgs<'blendNormalizeRows'>): void {
  const { rows, length, alpha, beta, eps } = args;
  const xv = data(args.x),
    yv = data(args.y),
    o = data(args.out);
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let j = r * length; j < (r + 1) * length; j++) squares += (o[j] = alpha * xv[j]! + beta * yv[j]!) ** 2;
    const norm = Math.max(Math.sqrt(squares), eps);
    for (let j = r * length; j < (r + 1) * length; j++) o[j]! /= norm;
  }
}

export function l2NormalizeBackward({ data }: ReferenceContext, { x, gy, gx, eps, ...l }: EngineArgs<'l2NormalizeBackward'>): void {
  const xv = data(x),
    g = data(gy),
    o = data(gx);
  forEachLine(l, (at) => {
    let squares = 0,
      dot = 0;
    for (let j = 0; j < l.length; j++) {
      squares += xv[at(j)]! ** 2;
      dot += xv[at(j)]! * g[at(j)]!;
    }
    const norm = Math.sqrt(squares);
    for (let j = 0; j < l.length; j++) {
      // Below eps the op is x/eps, a linear map; above, d(x/|x|) = (g - y·(y·g)) / |x|.
      o[at(j)] = norm > eps ? (g[at(j)]! - (xv[at(j)]! * dot) / squares) / norm : g[at(j)]! / eps;
    }
  });
}
