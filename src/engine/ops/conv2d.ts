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

/** Which kernels run a convolution: 'auto' (the default) picks by the rule below; 'winograd' needs 3×3, stride 1, padding 1, groups 1. */
export type Conv2dAlgorithm = 'auto' | 'gemm' | 'winograd';
type Pass = 'forward' | 'input' | 'weight';

/** Whether Winograd's F(2×2, 3×3) kernels compute this convolution: a 3×3 filter, stride 1, padding 1, no groups. */
export function winogradApplies(g: Conv2dGeometry): boolean {
  return g.kernelH === 3 && g.kernelW === 3 && g.strideH === 1 && g.strideW === 1 && g.padH === 1 && g.padW === 1 && g.groups === 1;
}

/**
 * Whether Winograd is the faster for one pass of `g` on a backend of `kind`: where both channel
 * counts reach WINOGRAD_MIN_CHANNELS, on every pass. Its transforms cost in proportion to
 * Cin + Cout per tile and save in proportion to Cin·Cout, so small channel counts lose. Measured
 * with `npm run bench -- conv2d --sweep` (Cin = Cout, medians of runs alternating with the
 * implicit GEMM, on the 2-core machine while other work kept it busy, so the ratios hold better
 * than the times; bench/results/conv2d-winograd-sweep-*.json), the GEMM's time over F(2×2, 3×3)'s.
 *
 * WebAssembly (`--threads 1 --reps 5`, batch 64; two runs on a machine busy enough that single
 * cells jump): loses at 4 channels, loses or ties at 8, wins from 16. Run a (the weight
 * gradient still in its older 4 MiB chunks; and the stem's passes, batch 256 on 2 threads):
 *
 * | channels | 28² fwd | grad in | grad w | 14² fwd | grad in | grad w | 7² fwd | grad in | grad w |
 * |---|---|---|---|---|---|---|---|---|---|
 * | 1 → 16, 1 → 32 (stem) | 0.49, 0.42 | 0.95, 0.38 | 0.35, 0.41 | | | | | | |
 * | 4 | 0.63 | 0.62 | 0.57 | 0.53 | 0.61 | 0.62 | 0.81 | 0.65 | 0.61 |
 * | 8 | 0.91 | 0.90 | 1.01 | 1.00 | 0.88 | 1.00 | 0.79 | 0.97 | 0.98 |
 * | 16 | 2.14 | 1.24 | 1.28 | 1.33 | 1.23 | 1.32 | 1.53 | 1.21 | 1.08 |
 * | 32 | 1.62 | 1.64 | 1.26 | 1.66 | 1.65 | 1.19 | 1.79 | 2.13 | 1.18 |
 * | 64 | 1.91 | 1.97 | 1.11 | 1.71 | 1.75 | 1.49 | 1.64 | 1.70 | 0.96 |
 * | 128 | 1.49 | 1.78 | 1.71 | 1.84 | 1.98 | 1.54 | 1.87 | 1.87 | 1.18 |
 *
 * Run b (the kernels as they are):
 *
 * | channels | 28² fwd | grad in | grad w | 14² fwd | grad in | grad w | 7² fwd | grad in | grad w |
 * |---|---|---|---|---|---|---|---|---|---|
 * | 4 | 0.74 | 0.71 | 0.57 | 0.68 | 0.68 | 0.63 | 0.70 | 0.61 | 0.58 |
 * | 8 | 0.61 | 1.10 | 3.39 | 1.24 | 1.03 | 1.06 | 0.72 | 0.87 | 0.91 |
 * | 16 | 0.79 | 1.18 | 1.22 | 1.35 | 1.48 | 1.22 | 1.46 | 1.45 | 1.08 |
 * | 32 | 1.62 | 1.77 | 1.93 | 1.71 | 1.79 | 1.39 | 1.62 | 1.63 | 1.16 |
 * | 64 | 1.75 | 2.32 | 0.99 | 1.76 | 1.81 | 1.28 | 0.96 | 1.84 | 0.98 |
 * | 128 | 1.84 | 1.69 | 1.78 | 1.34 | 1.79 | 1.77 | 1.63 | 2.30 | 1.15 |
 *
 * (16 to 128 channels at 28², 14² and 7² are fmnist-resnet's layers at widths 0.5 and 1.) The
 * weight gradient gains least: at 64 channels on 7² maps 0.96 and 0.98 here, 1.12 at batch 256
 * (the step's shapes, README); it stays on Winograd with the other passes.
 *
 * WebGPU on llvmpipe (`--backend webgpu --adapter llvmpipe --batch 16 --reps 3`): loses at 4 and
 * 8 channels, ties at 16 (0.81 to 1.06), wins from 32, so software adapters take it from 32:
 *
 * | channels | 28² fwd | grad in | grad w | 14² fwd | grad in | grad w | 7² fwd | grad in | grad w |
 * |---|---|---|---|---|---|---|---|---|---|
 * | 4 | 0.56 | 0.67 | 0.37 | 0.63 | 0.60 | 0.46 | 0.61 | 0.57 | 0.59 |
 * | 8 | 0.68 | 0.74 | 0.57 | 0.67 | 0.64 | 0.68 | 0.65 | 0.69 | 0.67 |
 * | 16 | 1.01 | 1.06 | 1.02 | 1.02 | 1.01 | 1.01 | 0.92 | 0.81 | 0.94 |
 * | 32 | 1.51 | 1.54 | 1.84 | 1.30 | 1.36 | 1.44 | 1.35 | 1.38 | 1.62 |
 * | 64 | 1.96 | 2.48 | 2.30 | 1.68 | 1.78 | 1.76 | 1.80 | 1.84 | 1.82 |
 * | 128 | 2.60 | 2.53 | 1.77 | 2.22 | 2.27 | 1.98 | 1.98 | 2.12 | 1.51 |
 *
 * Hardware GPUs keep the implicit GEMMs: no measurement on one has been made. The reference
 * (the tests' oracle, and the tracer) follows the CPU's rule: it computes the same sums either way.
 */
export function winogradPays(g: Conv2dGeometry, kind: BackendKind, _pass: Pass): boolean {
  const least = WINOGRAD_MIN_CHANNELS[kind];
  return winogradApplies(g) && least !== undefined && Math.min(g.inChannels, g.outChannels) >= least;
}

/** Channels (of the input and of the output) from which Winograd pays, by kind of backend (none: never). */
const WINOGRAD_MIN_CHANNELS: Record<BackendKind, number | undefined> = {
  cpu: 16,
  reference: 16,
  'gpu-software': 32,
  'gpu-hardware': undefined,
};

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
