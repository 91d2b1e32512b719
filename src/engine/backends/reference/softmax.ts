// Softmax and log-softmax along an axis, their gradient, and row-wise cross-entropy.

import type { EngineArgs } from '../../kernels.js';
import { checkRow, type ReferenceContext } from './context.js';
import { forEachLine } from './strided.js';

export function softmax({ data }: ReferenceContext, { x, out, log, ...l }: EngineArgs<'softmax'>): void {
  const xv = data(x),
    o = data(out);
  forEachLine(l, (at) => {
    let max = -Infinity,
      sum = 0;
    for (let j = 0; j < l.length; j++) max = Math.max(max, xv[at(j)]!);
    for (let j = 0; j < l.length; j++) sum += Math.exp(xv[at(j)]! - max);
    for (let j = 0; j < l.length; j++) {
      o[at(j)] = log ? xv[at(j)]! - max - Math.log(sum) : Math.exp(xv[at(j)]! - max) / sum;
    }
  });
}

export function softmaxBackward({ data }: ReferenceContext, { y, gy, gx, log, ...l }: EngineArgs<'softmaxBackward'>): void {
  const yv = data(y),
    g = data(gy),
    o = data(gx);
  forEachLine(l, (at) => {
    let dot = 0;
    for (let j = 0; j < l.length; j++) dot += log ? g[at(j)]! : g[at(j)]! * yv[at(j)]!;
    for (let j = 0; j < l.length; j++) {
      o[at(j)] = log ? g[at(j)]! - Math.exp(yv[at(j)]!) * dot : yv[at(j)]! * (g[at(j)]! - dot);
    }
  });
}

export function crossEntropy({ data }: ReferenceContext, { logits, target, losses, rows, classes }: EngineArgs<'crossEntropy'>): void {
  const x = data(logits),
    t = data(target),
    o = data(losses);
  for (let r = 0; r < rows; r++) {
    const label = checkRow('crossEntropy', t[r]!, classes);
    let max = -Infinity,
      sum = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, x[r * classes + c]!);
    for (let c = 0; c < classes; c++) sum += Math.exp(x[r * classes + c]! - max);
    o[r] = max + Math.log(sum) - x[r * classes + label]!;
  }
}

export function crossEntropyBackward({ data }: ReferenceContext, args: EngineArgs<'crossEntropyBackward'>): void {
  const { rows, classes } = args;
  const x = data(args.logits),
    t = data(args.target),
    g = data(args.gLoss),
    o = data(args.gLogits);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity,
      sum = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, x[r * classes + c]!);
    for (let c = 0; c < classes; c++) sum += Math.exp(x[r * classes + c]! - max);
    for (let c = 0; c < classes; c++) {
      const p = Math.exp(x[r * classes + c]! - max) / sum;
      o[r * classes + c] = g[r]! * (p - (c === t[r] ? 1 : 0));
    }
  }
}
