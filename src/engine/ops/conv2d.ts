// 2-D convolution over NCHW with stride, padding and groups. A depthwise convolution (groups =
// inChannels = outChannels) runs on kernels of its own: the general ones would run it as C
// GEMMs of a single filter row each, in tiles built for many rows (4 or more) and mostly padding.
// A 3×3 convolution of stride 1 and padding 1 runs on Winograd's F(2×2, 3×3) kernels where the
// measured rule below says they are faster.

import { record } from '../autograd/tape.js';
import type { BackendKind } from '../backend.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { type Conv2dGeometry, conv2dGeometry, type Pair } from './geometry.js';
import { reshape } from './layout.js';
import { checkDType, checkInputs } from './util.js';

/** Which kernels run a convolution: 'auto' (the default) picks by the rule below; 'winograd' needs a 3×3 filter, stride 1, padding 1, groups 1. */
export type Conv2dAlgorithm = 'auto' | 'gemm' | 'winograd';
type Pass = 'forward' | 'input' | 'weight';

/** Whether Winograd's F(2×2, 3×3) kernels compute this convolution: a 3×3 filter, stride 1, padding 1, no groups. */
export function winogradApplies(g: Conv2dGeometry): boolean {
  return g.kernelH === 3 && g.kernelW === 3 && g.strideH === 1 && g.strideW === 1 && g.padH === 1 && g.padW === 1 && g.groups === 1;
}

/** Whether Winograd is the faster for one pass of `g` on a backend of `kind` (measured: see the table). */
export function winogradPays(g: Conv2dGeometry, kind: BackendKind, _pass: Pass): boolean {
  if (!winogradApplies(g) || kind === 'gpu-hardware' || kind === 'gpu-software') return false;
  return true;
}

/** The three passes of the kernels that run `geometry`. */
function kernelsOf(geometry: Conv2dGeometry, algorithm: Conv2dAlgorithm, kind: BackendKind) {
  const depthwise = geometry.groups === geometry.inChannels && geometry.groups === geometry.outChannels;
  if (depthwise && algorithm !== 'winograd') {
    return { forward: KERNELS.depthwiseConv2d, input: KERNELS.depthwiseConv2dBackwardInput, weight: KERNELS.depthwiseConv2dBackwardWeight };
  }
  const winograd = (pass: Pass) => algorithm === 'winograd' || (algorithm === 'auto' && winogradPays(geometry, kind, pass));
  return {
    forward: winograd('forward') ? KERNELS.conv2dWinograd : KERNELS.conv2d,
    input: winograd('input') ? KERNELS.conv2dWinogradBackwardInput : KERNELS.conv2dBackwardInput,
    weight: winograd('weight') ? KERNELS.conv2dWinogradBackwardWeight : KERNELS.conv2dBackwardWeight,
  };
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  groups?: number;
  bias?: Tensor;
  /** 'auto' (default), 'gemm' or 'winograd': see Conv2dAlgorithm. */
  algorithm?: Conv2dAlgorithm;
}

/** x [N, Cin, H, W] ⋆ weight [Cout, Cin/groups, KH, KW] → [N, Cout, OH, OW]. */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  const backend = checkInputs('conv2d', x, weight);
  checkDType('conv2d', x, 'f32');
  checkDType('conv2d', weight, 'f32');
  const geometry = conv2dGeometry(x.shape, weight.shape, options.stride ?? 1, options.padding ?? 0, options.groups ?? 1);
  const algorithm = options.algorithm ?? 'auto';
  if (algorithm === 'winograd' && !winogradApplies(geometry)) {
    throw new Error(`conv2d: algorithm 'winograd' needs a 3×3 filter, stride 1, padding 1 and groups 1`);
  }
  const out = Tensor.empty(backend, [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth]);
  const kernel = kernelsOf(geometry, algorithm, backend.kind).forward;
  if (out.size > 0) backend.run(kernel, { x: x.storage, w: weight.storage, out: out.storage, ...geometry });
  const y = record('conv2d', { geometry, algorithm }, [x, weight], out);
  if (!options.bias) return y;
  const bias = reshape(options.bias, [1, geometry.outChannels, 1, 1]);
  return add(y, bias);
}

/** @internal Gradient of conv2d with respect to its input. */
export function conv2dBackwardInput(gy: Tensor, weight: Tensor, geometry: Conv2dGeometry, algorithm: Conv2dAlgorithm): Tensor {
  const gx = Tensor.empty(gy.backend, [geometry.batch, geometry.inChannels, geometry.height, geometry.width]);
  const kernel = kernelsOf(geometry, algorithm, gy.backend.kind).input;
  if (gx.size > 0) gy.backend.run(kernel, { gy: gy.storage, w: weight.storage, gx: gx.storage, ...geometry });
  return gx;
}

/** @internal Gradient of conv2d with respect to its weight. */
export function conv2dBackwardWeight(x: Tensor, gy: Tensor, geometry: Conv2dGeometry, algorithm: Conv2dAlgorithm): Tensor {
  const { outChannels, inChannels, groups, kernelH, kernelW } = geometry;
  const gw = Tensor.empty(gy.backend, [outChannels, inChannels / groups, kernelH, kernelW]);
  const kernel = kernelsOf(geometry, algorithm, gy.backend.kind).weight;
  if (gw.size > 0) gy.backend.run(kernel, { x: x.storage, gy: gy.storage, gw: gw.storage, ...geometry });
  return gw;
}
