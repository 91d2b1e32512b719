// Normalisation: batch norm over NCHW, L2 normalisation, softmax, log-softmax and cross-entropy.

import { record } from '../autograd/tape.js';
import type { Activation, AxisLayout, BatchNormLayout } from '../backend.js';
import { ACTIVATION_CODES } from '../codes.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import { checkDType, checkInputs, checkRank, formatShape, normalizeAxis, sameShape } from './util.js';

export interface BatchNormOptions {
  /** Use batch statistics (and update the running ones); otherwise use the running ones. */
  training: boolean;
  runningMean: Tensor;
  runningVar: Tensor;
  /** Weight of the new batch in the running statistics (PyTorch's convention). */
  momentum?: number;
  eps?: number;
  /** Added after the affine map: a residual block's shortcut, fused into the same pass. */
  residual?: Tensor;
  /** Ends in ReLU or ReLU6 (min(max(·, 0), 6)), in the same pass (and its gradient in batch norm's). */
  activation?: Activation;
}

/** [N, C, H, W] or [N, C] as batch × channels × spatial. */
function batchNormLayout(shape: readonly number[]): BatchNormLayout {
  const [batch, channels, height = 1, width = 1] = shape as [number, number, number?, number?];
  return { batch, channels, spatial: height * width };
}

/**
 * y = (x - mean) / sqrt(var + eps) · gamma + beta per channel of [N, C, H, W] (or [N, C]), then
 * + `residual` and the activation where asked: one pass over the activations instead of three,
 * and the same numbers as `batchNorm(…).add(residual).relu()` (or `relu6`).
 */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, options: BatchNormOptions): Tensor {
  const { runningMean, runningVar, training, residual, activation = 'none' } = options;
  const backend = checkInputs('batchNorm', x, gamma, beta, runningMean, runningVar, ...(residual ? [residual] : []));
  checkDType('batchNorm', x, 'f32');
  if (x.rank !== 4 && x.rank !== 2) throw new Error(`batchNorm: expected [N, C, H, W] or [N, C], got ${formatShape(x.shape)}`);
  const layout = batchNormLayout(x.shape);
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
    ['runningMean', runningMean],
    ['runningVar', runningVar],
  ] as const) {
    if (!sameShape(t.shape, [layout.channels])) {
      throw new Error(`batchNorm: ${name} ${formatShape(t.shape)} must be [${layout.channels}] for input ${formatShape(x.shape)}`);
    }
  }
  if (residual && !sameShape(residual.shape, x.shape)) {
    throw new Error(`batchNorm: residual ${formatShape(residual.shape)} must be the input's shape ${formatShape(x.shape)}`);
  }
  if (residual) checkDType('batchNorm', residual, 'f32');
  if (training && layout.batch * layout.spatial < 2) {
    throw new Error(`batchNorm: training needs more than one value per channel, got input ${formatShape(x.shape)}`);
  }
  const eps = options.eps ?? 1e-5;
  let mean: Tensor, variance: Tensor;
  if (training) {
    mean = Tensor.empty(backend, [layout.channels]);
    variance = Tensor.empty(backend, [layout.channels]);
    backend.run(KERNELS.batchNormStats, {
      x: x.storage,
      mean: mean.storage,
      variance: variance.storage,
      runningMean: runningMean.storage,
      runningVariance: runningVar.storage,
      momentum: options.momentum ?? 0.1,
      ...layout,
    });
  } else {
    mean = runningMean.view(runningMean.shape);
    variance = runningVar.view(runningVar.shape);
  }
  const out = Tensor.empty(backend, x.shape);
  if (out.size > 0) {
    backend.run(KERNELS.batchNormForward, {
      x: x.storage,
      mean: mean.storage,
      variance: variance.storage,
      gamma: gamma.storage,
      beta: beta.storage,
      residual: residual?.storage,
      y: out.storage,
      eps,
      activation: ACTIVATION_CODES[activation],
      ...layout,
    });
  }
  const inputs = residual ? [x, gamma, beta, residual] : [x, gamma, beta];
  return record('batchNorm', { eps, batchStats: training, activation }, inputs, out, [mean, variance]);
}

/** @internal What batchNorm's gradient needs besides x and gy: the batch statistics and the fused tail. */
export interface BatchNormSaved {
  mean: Tensor;
  variance: Tensor;
  gamma: Tensor;
  eps: number;
  batchStats: boolean;
  /** What the forward ended in, and its output when that was an activation (the mask). */
  activation: Activation;
  output: Tensor;
  /** Whether the forward added a residual that wants its gradient (returned fourth). */
  residual: boolean;
}

/** @internal The gradients of batchNorm (x, gamma, beta, and the residual when there was one) in one kernel pass. */
export function batchNormBackward(x: Tensor, gy: Tensor, saved: BatchNormSaved): Tensor[] {
  const backend = gy.backend;
  const layout = batchNormLayout(x.shape);
  const gx = Tensor.empty(backend, x.shape);
  const gGamma = Tensor.empty(backend, [layout.channels]);
  const gBeta = Tensor.empty(backend, [layout.channels]);
  const gResidual = saved.residual ? Tensor.empty(backend, x.shape) : undefined;
  backend.run(KERNELS.batchNormBackward, {
    x: x.storage,
    gy: gy.storage,
    y: saved.activation === 'none' ? undefined : saved.output.storage,
    mean: saved.mean.storage,
    variance: saved.variance.storage,
    gamma: saved.gamma.storage,
    gx: gx.storage,
    gGamma: gGamma.storage,
    gBeta: gBeta.storage,
    gResidual: gResidual?.storage,
    eps: saved.eps,
    batchStats: saved.batchStats,
    activation: ACTIVATION_CODES[saved.activation],
    ...layout,
  });
  return gResidual ? [gx, gGamma, gBeta, gResidual] : [gx, gGamma, gBeta];
}

/** Views `axis` of a contiguous shape as [outer, length, inner]. */
export function axisLayout(shape: readonly number[], axis: number): AxisLayout {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return { outer, length: shape[axis]!, inner };
}

/** x / max(||x||₂, eps) along `axis`. */
export function l2Normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  const backend = checkInputs('l2Normalize', x);
  checkDType('l2Normalize', x, 'f32');
  const dim = normalizeAxis('l2Normalize', axis, x.rank);
  const out = Tensor.empty(backend, x.shape);
  if (out.size > 0) backend.run(KERNELS.l2Normalize, { x: x.storage, out: out.storage, eps, ...axisLayout(x.shape, dim) });
  return record('l2Normalize', { axis: dim, eps }, [x], out);
}

/**
 * l2Normalize(α·x + β·y) along the last axis, in one pass over x and y: the memory bank's
 * update, w ← normalise(m·w + (1 − m)·u), without three intermediate N×d tensors.
 */
export function blendNormalize(x: Tensor, y: Tensor, alpha: number, beta: number, eps = 1e-12): Tensor {
  const backend = checkInputs('blendNormalize', x, y);
  checkDType('blendNormalize', x, 'f32');
  checkDType('blendNormalize', y, 'f32');
  if (!sameShape(x.shape, y.shape)) throw new Error(`blendNormalize: shapes ${formatShape(x.shape)} and ${formatShape(y.shape)} differ`);
  if (x.rank < 1) throw new Error('blendNormalize: needs rank ≥ 1, got a scalar');
  const out = Tensor.empty(backend, x.shape);
  const length = x.shape[x.rank - 1]!;
  if (out.size > 0) {
    const rows = out.size / length;
    backend.run(KERNELS.blendNormalizeRows, { x: x.storage, y: y.storage, out: out.storage, rows, length, alpha, beta, eps });
  }
  return record('blendNormalize', { alpha, beta, eps }, [x, y], out);
}

function softmaxOp(x: Tensor, axis: number, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  const backend = checkInputs(name, x);
  checkDType(name, x, 'f32');
  const dim = normalizeAxis(name, axis, x.rank);
  const out = Tensor.empty(backend, x.shape);
  if (out.size > 0) backend.run(KERNELS.softmax, { x: x.storage, out: out.storage, log, ...axisLayout(x.shape, dim) });
  return record(name, { axis: dim }, [x], out);
}

/** exp(x) / Σ exp(x) along `axis`, computed stably. */
export const softmax = (x: Tensor, axis = -1): Tensor => softmaxOp(x, axis, false);
/** x - logsumexp(x) along `axis`. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxOp(x, axis, true);

/** Per-row cross-entropy [B] of logits [B, C] against integer targets [B]. */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  const backend = checkInputs('crossEntropy', logits, targets);
  checkDType('crossEntropy', logits, 'f32');
  checkDType('crossEntropy', targets, 'i32', 'u32');
  checkRank('crossEntropy', 'logits', logits, 2);
  if (!sameShape(targets.shape, [logits.shape[0]!])) {
    throw new Error(
      `crossEntropy: targets ${formatShape(targets.shape)} must be [${logits.shape[0]}] for logits ${formatShape(logits.shape)}`,
    );
  }
  const [rows, classes] = logits.shape as [number, number];
  const out = Tensor.empty(backend, [rows]);
  if (rows > 0) backend.run(KERNELS.crossEntropy, { logits: logits.storage, target: targets.storage, losses: out.storage, rows, classes });
  return record('crossEntropy', {}, [logits, targets], out);
}

/** @internal Gradient of softmax / log-softmax from its output y. */
export function softmaxBackward(y: Tensor, gy: Tensor, axis: number, log: boolean): Tensor {
  const gx = Tensor.empty(y.backend, y.shape);
  if (gx.size > 0) {
    y.backend.run(KERNELS.softmaxBackward, { y: y.storage, gy: gy.storage, gx: gx.storage, log, ...axisLayout(y.shape, axis) });
  }
  return gx;
}

/** @internal Gradient of l2Normalize. */
export function l2NormalizeBackward(x: Tensor, gy: Tensor, axis: number, eps: number): Tensor {
  const gx = Tensor.empty(x.backend, x.shape);
  if (gx.size > 0) {
    x.backend.run(KERNELS.l2NormalizeBackward, { x: x.storage, gy: gy.storage, gx: gx.storage, eps, ...axisLayout(x.shape, axis) });
  }
  return gx;
}

/** @internal Gradient of crossEntropy with respect to the logits. */
export function crossEntropyBackward(logits: Tensor, targets: Tensor, gLoss: Tensor): Tensor {
  const [rows, classes] = logits.shape as [number, number];
  const gx = Tensor.empty(logits.backend, logits.shape);
  if (gx.size > 0) {
    logits.backend.run(KERNELS.crossEntropyBackward, {
      logits: logits.storage,
      target: targets.storage,
      gLoss: gLoss.storage,
      gLogits: gx.storage,
      rows,
      classes,
    });
  }
  return gx;
}
