// Dispatches shaders/elementwise.wgsl and shaders/copy.wgsl.

import copySource from '../../../../../shaders/copy.wgsl';
import elementwiseSource from '../../../../../shaders/elementwise.wgsl';
import { BINARY_CODES, UNARY_CODES, wgslConstants } from '../../../codes.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

const source = wgslConstants({ UNARY: UNARY_CODES, BINARY: BINARY_CODES }) + elementwiseSource;
const shader = 'elementwise';

export function fill(ctx: GpuContext, { out, value }: EngineArgs<'fill'>): void {
  const bits = new DataView(new ArrayBuffer(4));
  if (out.dtype === 'f32') bits.setFloat32(0, value, true);
  else bits.setInt32(0, value, true);
  dispatchThreads(
    ctx,
    { shader, source, entry: 'fill', params: 'FillParams' },
    { size: out.size, bits: bits.getUint32(0, true) },
    [bufferOf(out)],
    out.size,
  );
}

export function unary(ctx: GpuContext, { op, x, out, alpha }: EngineArgs<'unary'>): void {
  if (op === 'cast') {
    const entry = x.dtype === 'f32' ? 'castF32ToI32' : 'castI32ToF32';
    dispatchThreads(
      ctx,
      { shader, source, entry, params: 'UnaryParams' },
      { size: out.size, alpha: 0 },
      [bufferOf(x), bufferOf(out)],
      out.size,
    );
    return;
  }
  dispatchThreads(
    ctx,
    { shader, source, entry: 'unary', params: 'UnaryParams', constants: { OP: UNARY_CODES[op] } },
    { size: out.size, alpha },
    [bufferOf(x), bufferOf(out)],
    out.size,
  );
}

export function binary(ctx: GpuContext, layout: EngineArgs<'binary'>): void {
  const { op, a, b, out } = layout;
  dispatchThreads(
    ctx,
    { shader, source, entry: 'binary', params: 'BinaryParams', constants: { OP: BINARY_CODES[op] } },
    { size: out.size, rank: layout.shape.length, shape: layout.shape, aStrides: layout.aStrides, bStrides: layout.bStrides },
    [bufferOf(a), bufferOf(b), bufferOf(out)],
    out.size,
  );
}

export function copy(ctx: GpuContext, layout: EngineArgs<'copy'>): void {
  const { src, dst } = layout;
  const size = layout.shape.reduce((p, d) => p * d, 1);
  dispatchThreads(
    ctx,
    { shader: 'copy', source: copySource, entry: 'copy', params: 'CopyParams' },
    {
      size,
      rank: layout.shape.length,
      srcOffset: layout.srcOffset,
      dstOffset: layout.dstOffset,
      shape: layout.shape,
      srcStrides: layout.srcStrides,
      dstStrides: layout.dstStrides,
    },
    [bufferOf(src), bufferOf(dst)],
    size,
  );
}
