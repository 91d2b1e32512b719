// 2-D convolution over NCHW with stride, padding and groups. A depthwise convolution (groups =
// inChannels = outChannels) runs on kernels of its own: the general ones would run it as C
// GEMMs of a single filter row each, in tiles built for many rows (4 or more) and mostly padding.

import { record } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { type Conv2dGeometry, conv2dGeometry, type Pair } from './geometry.js';
import { reshape } from './layout.js';
import { checkDType, checkInputs } from './util.js';

/** The three passes of the kernels that run `geometry`. */
function kernelsOf(geometry: Conv2dGeometry) {
  const depthwise = geometry.groups === geometry.inChannels && geometry.groups === geometry.outChannels;
  return depthwise
    ? { forward: KERNELS.depthwiseConv2d, input: KERNELS.depthwiseConv2dBackwardInput, weight: KERNELS.depthwiseConv2dBackwardWeight }
    : { forward: KERNELS.conv2d, input: KERNELS.conv2dBackwardInput, weight: KERNELS.conv2dBackwardWeight };
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  groups?: number;
  bias?: Tensor;
}

/** x [N, Cin, H, W] ⋆ weight [Cout, Cin/groups, KH, KW] → [N, Cout, OH, OW]. */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  const backend = checkInputs('conv2d', x, weight);
  checkDType('conv2d', x, 'f32');
  checkDType('conv2d', weight, 'f32');
  const geometry = conv2dGeometry(x.shape, weight.shape, options.stride ?? 1, options.padding ?? 0, options.groups ?? 1);
  const out = Tensor.empty(backend, [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth]);
  if (out.size > 0) backend.run(kernelsOf(geometry).forward, { x: x.storage, w: weight.storage, out: out.storage, ...geometry });
  const y = record('conv2d', { geometry }, [x, weight], out);
  if (!options.bias) return y;
  const bias = reshape(options.bias, [1, geometry.outChannels, 1, 1]);
  return add(y, bias);
}

/** @internal Gradient of conv2d with respect to its input. */
export function conv2dBackwardInput(gy: Tensor, weight: Tensor, geometry: Conv2dGeometry): Tensor {
  const gx = Tensor.empty(gy.backend, [geometry.batch, geometry.inChannels, geometry.height, geometry.width]);
  if (gx.size > 0) gy.backend.run(kernelsOf(geometry).input, { gy: gy.storage, w: weight.storage, gx: gx.storage, ...geometry });
  return gx;
}

/** @internal Gradient of conv2d with respect to its weight. */
export function conv2dBackwardWeight(x: Tensor, gy: Tensor, geometry: Conv2dGeometry): Tensor {
  const { outChannels, inChannels, groups, kernelH, kernelW } = geometry;
  const gw = Tensor.empty(gy.backend, [outChannels, inChannels / groups, kernelH, kernelW]);
  if (gw.size > 0) gy.backend.run(kernelsOf(geometry).weight, { x: x.storage, gy: gy.storage, gw: gw.storage, ...geometry });
  return gw;
}
