// Clamping to a range, and ReLU6 (MobileNetV2's activation) as clamp(x, 0, 6).
//
// A kernel family of its own rather than an op code of the elementwise family: the unary
// kernel carries one scalar (alpha) and the binary one none, while clamp needs two bounds
// forward and both bounds again, beside the input, for its gradient.

import { record } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { checkDType, checkInputs } from './util.js';

/**
 * min(max(x, low), high); the gradient passes where low < x < high. The bounds are finite
 * (WGSL lets a shader assume no infinities).
 */
export function clamp(x: Tensor, low: number, high: number): Tensor {
  const backend = checkInputs('clamp', x);
  checkDType('clamp', x, 'f32');
  if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
    throw new Error(`clamp: [${low}, ${high}] is not a range of finite numbers`);
  }
  const out = Tensor.empty(backend, x.shape);
  if (out.size > 0) backend.run(KERNELS.clamp, { x: x.storage, out: out.storage, low, high });
  return record('clamp', { low, high }, [x], out);
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return clamp(x, 0, 6);
}

/** @internal The gradient gy flowing back through clamp(x, low, high). */
export function clampBackward(x: Tensor, gy: Tensor, low: number, high: number): Tensor {
  const gx = Tensor.empty(gy.backend, gy.shape);
  if (gx.size > 0) gy.backend.run(KERNELS.clampBackward, { x: x.storage, gy: gy.storage, gx: gx.storage, low, high });
  return gx;
}
