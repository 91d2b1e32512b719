// Dispatches shaders/softmax.wgsl: softmax, its gradient, and cross-entropy.

import source from '../../../../../shaders/softmax.wgsl';
import type { AxisLayout } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, type GpuContext } from '../context.js';

function lines(l: AxisLayout, log = false) {
  return { lines: l.outer * l.inner, length: l.length, inner: l.inner, log };
}

export function softmax(ctx: GpuContext, l: EngineArgs<'softmax'>): void {
  dispatchLines(
    ctx,
    { shader: 'softmax', source, entry: 'softmax', params: 'SoftmaxParams' },
    lines(l, l.log),
    [l.x, l.out].map(bufferOf),
    l.outer * l.inner,
  );
}

export function softmaxBackward(ctx: GpuContext, l: EngineArgs<'softmaxBackward'>): void {
  dispatchLines(
    ctx,
    { shader: 'softmax', source, entry: 'softmaxBackward', params: 'SoftmaxParams' },
    lines(l, l.log),
    [l.y, l.gy, l.gx].map(bufferOf),
    l.outer * l.inner,
  );
}

export function crossEntropy(ctx: GpuContext, { logits, target, losses, rows, classes }: EngineArgs<'crossEntropy'>): void {
  dispatchLines(
    ctx,
    { shader: 'softmax', source, entry: 'crossEntropy', params: 'SoftmaxParams' },
    lines({ outer: rows, length: classes, inner: 1 }),
    [logits, target, losses].map(bufferOf),
    rows,
  );
}

export function crossEntropyBackward(ctx: GpuContext, p: EngineArgs<'crossEntropyBackward'>): void {
  dispatchLines(
    ctx,
    { shader: 'softmax', source, entry: 'crossEntropyBackward', params: 'SoftmaxParams' },
    lines({ outer: p.rows, length: p.classes, inner: 1 }),
    [p.logits, p.target, p.gLoss, p.gLogits].map(bufferOf),
    p.rows,
  );
}
