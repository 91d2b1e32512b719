// Batch normalisation: per-channel statistics, the affine normalisation and its gradients.

import type { BatchNormLayout } from '../../backend.js';
import { ACTIVATION_CODES } from '../../codes.js';
import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';

/** Calls fn(index) for every element of channel c in NCHW order. */
function forEachInChannel(l: BatchNormLayout, c: number, fn: (index: number) => void): void {
  for (let n = 0; n < l.batch; n++) {
    const base = (n * l.channels + c) * l.spatial;
    for (let s = 0; s < l.spatial; s++) fn(base + s);
  }
}

export function batchNormStats(
  { data }: ReferenceContext,
  { x, mean, variance, runningMean, runningVariance, momentum: m, ...l }: EngineArgs<'batchNormStats'>,
): void {
  const xv = data(x),
    count = l.batch * l.spatial;
  for (let c = 0; c < l.channels; c++) {
    let sum = 0;
    forEachInChannel(l, c, (i) => {
      sum += xv[i]!;
    });
    const mu = sum / count;
    let squares = 0;
    forEachInChannel(l, c, (i) => {
      squares += (xv[i]! - mu) ** 2;
    });
    const biased = squares / count;
    data(mean)[c] = mu;
    data(variance)[c] = biased;
    const rm = data(runningMean),
      rv = data(runningVariance);
    rm[c] = (1 - m) * rm[c]! + m * mu;
    rv[c] = (1 - m) * rv[c]! + (m * biased * count) / Math.max(count - 1, 1);
  }
}

/** The activation's range: (−∞, ∞) without one, [0, ∞) for ReLU, [0, 6] for ReLU6. */
function rangeOf(activation: number): [number, number] {
  return [activation === ACTIVATION_CODES.none ? -Infinity : 0, activation === ACTIVATION_CODES.relu6 ? 6 : Infinity];
}

export function batchNormForward(
  { data }: ReferenceContext,
  { x, mean, variance, gamma, beta, residual, y, eps, activation, ...l }: EngineArgs<'batchNormForward'>,
): void {
  const xv = data(x),
    rv = residual ? data(residual) : undefined,
    yv = data(y),
    [low, high] = rangeOf(activation);
  for (let c = 0; c < l.channels; c++) {
    const scale = data(gamma)[c]! / Math.sqrt(data(variance)[c]! + eps);
    const shift = data(beta)[c]! - data(mean)[c]! * scale;
    forEachInChannel(l, c, (i) => {
      const v = xv[i]! * scale + shift + (rv ? rv[i]! : 0);
      yv[i] = Math.min(Math.max(v, low), high);
    });
  }
}

export function batchNormBackward({ data }: ReferenceContext, args: EngineArgs<'batchNormBackward'>): void {
  const { x, gy, y, mean, variance, gamma, gx, gGamma, gBeta, gResidual, eps, batchStats, activation } = args;
  const xv = data(x),
    yv = y ? data(y) : undefined,
    gyv = data(gy),
    gxv = data(gx),
    grv = gResidual ? data(gResidual) : undefined,
    count = args.batch * args.spatial;
  // the gradient of the activation's input, when the forward pass ended in one
  const grad = (i: number) => (yv && !(yv[i]! > 0 && (activation !== ACTIVATION_CODES.relu6 || yv[i]! < 6)) ? 0 : gyv[i]!);
  for (let c = 0; c < args.channels; c++) {
    const mu = data(mean)[c]!,
      invStd = 1 / Math.sqrt(data(variance)[c]! + eps),
      g = data(gamma)[c]!;
    let sumG = 0,
      sumGXhat = 0;
    forEachInChannel(args, c, (i) => {
      sumG += grad(i);
      sumGXhat += grad(i) * (xv[i]! - mu) * invStd;
    });
    data(gGamma)[c] = sumGXhat;
    data(gBeta)[c] = sumG;
    forEachInChannel(args, c, (i) => {
      const xHat = (xv[i]! - mu) * invStd;
      gxv[i] = batchStats ? ((g * invStd) / count) * (count * grad(i) - sumG - xHat * sumGXhat) : g * invStd * grad(i);
      if (grv) grv[i] = grad(i);
    });
  }
}
