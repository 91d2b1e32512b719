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

/**
 * Whether Winograd is the faster for one pass of `g` on a backend of `kind`. On the CPU
 * (WebAssembly) it is where both channel counts are 16 or more, on every pass: its transforms
 * cost in proportion to Cin + Cout per tile and save in proportion to Cin·Cout, and by the sweep
 * below they lose at 4 channels and break even at 8. Measured with `npm run bench -- conv2d
 * --sweep --threads 1` (batch 64, one thread, the fastest of 5 runs alternating with the
 * implicit GEMM, on the 2-core machine while it was busy; the GEMM's time over F(2×2, 3×3)'s):
 *
 * | Cin = Cout | 28² fwd | grad in | grad w | 14² fwd | grad in | grad w | 7² fwd | grad in | grad w |
 * |---|---|---|---|---|---|---|---|---|---|
 * | 1 → 16 (stem) | 0.46 | 0.95 | 0.34 | | | | | | |
 * | 1 → 32 (stem) | 0.40 | 0.30 | 0.33 | | | | | | |
 * | 4 | 0.65 | 0.69 | 0.22 | 0.73 | 0.74 | 0.60 | 0.75 | 0.79 | 0.63 |
 * | 8 | 1.11 | 0.78 | 1.22 | 1.04 | 0.95 | 1.04 | 0.97 | 1.00 | 1.00 |
 * | 16 | 1.44 | 1.47 | 0.85 | 1.37 | 1.41 | 1.22 | 1.33 | 1.36 | 1.09 |
 * | 32 | 1.81 | 1.80 | 1.21 | 1.83 | 1.87 | 1.24 | 1.64 | 1.61 | 1.12 |
 * | 64 | 2.03 | 2.45 | 1.09 | 2.03 | 1.87 | 1.42 | 1.65 | 1.66 | 1.00 |
 * | 128 | 1.67 | 1.74 | 1.66 | 2.14 | 2.11 | 1.52 | 1.94 | 1.93 | 1.13 |
 *
 * (The 16, 32 and 64-channel rows at 28², 14² and 7² are fmnist-resnet's own layers at widths 0.5 and 1.)
 * The weight gradient gains least, and at 16 channels on 28² maps it measured 0.85 to 1.26
 * across runs; at batch 256 on one thread, 1.26. WebGPU runs the implicit GEMMs until
 * shaders/conv2d_winograd.wgsl is measured faster; the reference computes the same sums either way.
 */
export function winogradPays(g: Conv2dGeometry, kind: BackendKind, _pass: Pass): boolean {
  if (!winogradApplies(g) || kind === 'gpu-hardware' || kind === 'gpu-software') return false;
  return Math.min(g.inChannels, g.outChannels) >= WINOGRAD_MIN_CHANNELS;
}

/** Channels (of the input and of the output) from which Winograd pays on the CPU. */
const WINOGRAD_MIN_CHANNELS = 16;

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
