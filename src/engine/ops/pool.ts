// Pooling over NCHW: max, average and global average.

import { record } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { type Pair, type Pool2dGeometry, pool2dGeometry } from './geometry.js';
import { mean } from './reduce.js';
import { checkDType, checkInputs, checkRank } from './util.js';

export interface Pool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Pair;
}

function outputShape(g: Pool2dGeometry): number[] {
  return [g.batch, g.channels, g.outHeight, g.outWidth];
}

/** Max over each window; padding never wins. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const backend = checkInputs('maxPool2d', x);
  checkDType('maxPool2d', x, 'f32');
  const geometry = pool2dGeometry('maxPool2d', x.shape, options.kernel, options.stride ?? options.kernel, options.padding ?? 0);
  const out = Tensor.empty(backend, outputShape(geometry));
  const argmax = Tensor.empty(backend, outputShape(geometry), 'i32');
  if (out.size > 0) backend.run(KERNELS.maxPool2d, { x: x.storage, y: out.storage, argmax: argmax.storage, ...geometry });
  return record('maxPool2d', { geometry }, [x], out, [argmax]);
}

/** Mean over each window, counting padded positions as zeros. */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const backend = checkInputs('avgPool2d', x);
  checkDType('avgPool2d', x, 'f32');
  const geometry = pool2dGeometry('avgPool2d', x.shape, options.kernel, options.stride ?? options.kernel, options.padding ?? 0);
  const out = Tensor.empty(backend, outputShape(geometry));
  if (out.size > 0) backend.run(KERNELS.avgPool2d, { x: x.storage, y: out.storage, ...geometry });
  return record('avgPool2d', { geometry }, [x], out);
}

/** [N, C, H, W] → [N, C]: the mean over each feature map. */
export function globalAvgPool2d(x: Tensor): Tensor {
  checkRank('globalAvgPool2d', 'input', x, 4);
  return mean(x, [2, 3]);
}

/** @internal */
export function maxPool2dBackward(gy: Tensor, argmax: Tensor, geometry: Pool2dGeometry): Tensor {
  const gx = Tensor.empty(gy.backend, [geometry.batch, geometry.channels, geometry.height, geometry.width]);
  if (gx.size > 0) gy.backend.run(KERNELS.maxPool2dBackward, { gy: gy.storage, argmax: argmax.storage, gx: gx.storage, ...geometry });
  return gx;
}

/** @internal */
export function avgPool2dBackward(gy: Tensor, geometry: Pool2dGeometry): Tensor {
  const gx = Tensor.empty(gy.backend, [geometry.batch, geometry.channels, geometry.height, geometry.width]);
  if (gx.size > 0) gy.backend.run(KERNELS.avgPool2dBackward, { gy: gy.storage, gx: gx.storage, ...geometry });
  return gx;
}
