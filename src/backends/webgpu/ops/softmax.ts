// Dispatches shaders/softmax.wgsl (softmax, its gradient, cross-entropy) and shaders/l2_normalize.wgsl.

import type { AxisLayout, Storage } from '../../../backend.js';
import source from '../../../../shaders/softmax.wgsl';
import l2Source from '../../../../shaders/l2_normalize.wgsl';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

function lines(l: AxisLayout, log = false) {
  return { lines: l.outer * l.inner, length: l.length, inner: l.inner, log };
}

export function softmax(ctx: GpuContext, x: Storage, out: Storage, l: AxisLayout, log: boolean): void {
  dispatchLines(ctx, { shader: 'softmax', source, entry: 'softmax', params: 'SoftmaxParams' }, lines(l, log), [x, out].map(bufferOf), l.outer * l.inner);
}

export function softmaxBackward(ctx: GpuContext, y: Storage, gy: Storage, gx: Storage, l: AxisLayout, log: boolean): void {
  dispatchLines(ctx, { shader: 'softmax', source, entry: 'softmaxBackward', params: 'SoftmaxParams' }, lines(l, log), [y, gy, gx].map(bufferOf), l.outer * l.inner);
}

export function crossEntropy(ctx: GpuContext, logits: Storage, target: Storage, losses: Storage, rows: number, classes: number): void {
  dispatchLines(ctx, { shader: 'softmax', source, entry: 'crossEntropy', params: 'SoftmaxParams' },
    lines({ outer: rows, length: classes, inner: 1 }), [logits, target, losses].map(bufferOf), rows);
}

export function crossEntropyBackward(
  ctx: GpuContext, logits: Storage, target: Storage, gLoss: Storage, gLogits: Storage, rows: number, classes: number,
): void {
  dispatchLines(ctx, { shader: 'softmax', source, entry: 'crossEntropyBackward', params: 'SoftmaxParams' },
    lines({ outer: rows, length: classes, inner: 1 }), [logits, target, gLoss, gLogits].map(bufferOf), rows);
}

/** Lines up to this long and contiguous take one invocation each (blendNormalizeRows). */
const SHORT_ROW = 256;

export function l2Normalize(ctx: GpuContext, x: Storage, out: Storage, l: AxisLayout, eps: number): void {
  if (l.inner === 1 && l.length <= SHORT_ROW) {
    blendNormalizeRows(ctx, x, x, out, l.outer, l.length, 1, 0, eps); // 1·x + 0·x is exactly x
    return;
  }
  dispatchLines(ctx, { shader: 'l2_normalize', source: l2Source, entry: 'l2Normalize', params: 'L2NormalizeParams' },
    { lines: l.outer * l.inner, length: l.length, inner: l.inner, eps }, [x, out].map(bufferOf), l.outer * l.inner);
}

export function blendNormalizeRows(
  ctx: GpuContext, x: Storage, y: Storage, out: Storage, rows: number, length: number, alpha: number, beta: number, eps: number,
): void {
  dispatchThreads(ctx, { shader: 'l2_normalize', source: l2Source, entry: 'blendNormalizeRows', params: 'BlendParams' },
    { lines: rows, length, alpha, beta, eps }, [x, y, out].map(bufferOf), rows);
}

export function l2NormalizeBackward(ctx: GpuContext, x: Storage, gy: Storage, gx: Storage, l: AxisLayout, eps: number): void {
  dispatchLines(ctx, { shader: 'l2_normalize', source: l2Source, entry: 'l2NormalizeBackward', params: 'L2NormalizeParams' },
    { lines: l.outer * l.inner, length: l.length, inner: l.inner, eps }, [x, gy, gx].map(bufferOf), l.outer * l.inner);
}
