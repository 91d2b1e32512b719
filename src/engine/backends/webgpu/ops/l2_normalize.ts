// Dispatches shaders/l2_normalize.wgsl: L2 normalisation along an axis, its gradient, and the
// fused blend-and-normalise of rows (which short contiguous lines also take).

import source from '../../../../../shaders/l2_normalize.wgsl';
import type { AxisLayout } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from '../context.js';

/** Lines up to this long and contiguous take one invocation each (blendNormalizeRows). */
const SHORT_ROW = 256;

function lines(l: AxisLayout, eps: number) {
  return { lines: l.outer * l.inner, length: l.length, inner: l.inner, eps };
}

export function l2Normalize(ctx: GpuContext, l: EngineArgs<'l2Normalize'>): void {
  const { x, out, eps } = l;
  if (l.inner === 1 && l.length <= SHORT_ROW) {
    blendNormalizeRows(ctx, { x, y: x, out, rows: l.outer, length: l.length, alpha: 1, beta: 0, eps }); // 1·x + 0·x is exactly x
    return;
  }
  dispatchLines(
    ctx,
    { shader: 'l2_normalize', source, entry: 'l2Normalize', params: 'L2NormalizeParams' },
    lines(l, eps),
    [x, out].map(bufferOf),
    l.outer * l.inner,
  );
}

export function blendNormalizeRows(ctx: GpuContext, { x, y, out, rows, length, alpha, beta, eps }: EngineArgs<'blendNormalizeRows'>): void {
  dispatchThreads(
    ctx,
    { shader: 'l2_normalize', source, entry: 'blendNormalizeRows', params: 'BlendParams' },
    { lines: rows, length, alpha, beta, eps },
    [x, y, out].map(bufferOf),
    rows,
  );
}

export function l2NormalizeBackward(ctx: GpuContext, l: EngineArgs<'l2NormalizeBackward'>): void {
  dispatchLines(
    ctx,
    { shader: 'l2_normalize', source, entry: 'l2NormalizeBackward', params: 'L2NormalizeParams' },
    lines(l, l.eps),
    [l.x, l.gy, l.gx].map(bufferOf),
    l.outer * l.inner,
  );
}
