// Batch normalisation over NCHW (the twin of shaders/batchnorm.wgsl): statistics per
// channel across batch × spatial. Each channel's planes are summed with f32x4 and the
// per-plane sums added in f64, so long channels keep their precision. Parallel by channel.
// The forward pass can end a residual block (+ the shortcut, then ReLU or ReLU6) and the
// backward pass then takes the activation's mask and writes the shortcut's gradient in its
// own passes.
import { at, lanesSum, shareStart } from './common';
import {
  ACTIVATION_NONE, ACTIVATION_RELU6, BatchNormBackwardParams, BatchNormForwardParams, BatchNormStatsParams,
} from './generated';

/** Σ x over one contiguous run. */
function runSum(p: usize, length: i32): f64 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) acc = f32x4.add(acc, v128.load(at(p, i)));
  let sum = lanesSum(acc);
  for (; i < length; i++) sum += <f64>load<f32>(at(p, i));
  return sum;
}

/** Σ (x - mu)² over one contiguous run. */
function runSquares(p: usize, length: i32, mu: f32): f64 {
  const m = f32x4.splat(mu);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const d = f32x4.sub(v128.load(at(p, i)), m);
    acc = f32x4.add(acc, f32x4.mul(d, d));
  }
  let sum = lanesSum(acc);
  for (; i < length; i++) { const d = load<f32>(at(p, i)) - mu; sum += <f64>(d * d); }
  return sum;
}

export function batchNormStats(p: BatchNormStatsParams, part: i32, parts: i32): void {
  const x = p.x, mean = p.mean, variance = p.variance, runningMean = p.runningMean, runningVariance = p.runningVariance;
  const momentum = p.momentum;
  const batch = p.batch, channels = p.channels, spatial = p.spatial;
  const count = <f64>batch * spatial;
  for (let c = shareStart(channels, part, parts); c < shareStart(channels, part + 1, parts); c++) {
    let sum: f64 = 0;
    for (let n = 0; n < batch; n++) sum += runSum(at(x, (n * channels + c) * spatial), spatial);
    const mu = <f32>(sum / count);
    let squares: f64 = 0;
    for (let n = 0; n < batch; n++) squares += runSquares(at(x, (n * channels + c) * spatial), spatial, mu);
    const biased = squares / count;
    store<f32>(at(mean, c), mu);
    store<f32>(at(variance, c), <f32>biased);
    const m = <f64>momentum;
    store<f32>(at(runningMean, c), <f32>((1 - m) * load<f32>(at(runningMean, c)) + m * mu));
    const unbiased = biased * count / Math.max(count - 1, 1);
    store<f32>(at(runningVariance, c), <f32>((1 - m) * load<f32>(at(runningVariance, c)) + m * unbiased));
  }
}

/** The activation's range [low, high]: the whole line without one, [0, ∞) for ReLU, [0, 6] for ReLU6. */
@inline function lowOf(activation: i32): f32 {
  return activation == ACTIVATION_NONE ? -Infinity : 0;
}

@inline function highOf(activation: i32): f32 {
  return activation == ACTIVATION_RELU6 ? 6 : Infinity;
}

/** y = x·scale + shift (+ r where r is given), clamped to [low, high], over one contiguous run. */
function affineRun(x: usize, r: usize, y: usize, length: i32, scale: f32, shift: f32, low: f32, high: f32): void {
  const s = f32x4.splat(scale);
  const t = f32x4.splat(shift);
  const l = f32x4.splat(low);
  const h = f32x4.splat(high);
  let i = 0;
  if (r == 0) {
    for (; i + 4 <= length; i += 4) v128.store(at(y, i), f32x4.min(f32x4.max(f32x4.add(f32x4.mul(v128.load(at(x, i)), s), t), l), h));
  } else {
    for (; i + 4 <= length; i += 4) {
      const v = f32x4.add(f32x4.add(f32x4.mul(v128.load(at(x, i)), s), t), v128.load(at(r, i)));
      v128.store(at(y, i), f32x4.min(f32x4.max(v, l), h));
    }
  }
  for (; i < length; i++) {
    const v = load<f32>(at(x, i)) * scale + shift + (r == 0 ? 0 : load<f32>(at(r, i)));
    store<f32>(at(y, i), v < low ? low : v > high ? high : v); // keeps a NaN, as f32x4.min and max do
  }
}

export function batchNormForward(p: BatchNormForwardParams, part: i32, parts: i32): void {
  const x = p.x, mean = p.mean, variance = p.variance, gamma = p.gamma, beta = p.beta, residual = p.residual, y = p.y;
  const batch = p.batch, channels = p.channels, spatial = p.spatial, eps = p.eps;
  const low = lowOf(p.activation), high = highOf(p.activation);
  for (let c = shareStart(channels, part, parts); c < shareStart(channels, part + 1, parts); c++) {
    const scale = load<f32>(at(gamma, c)) / Mathf.sqrt(load<f32>(at(variance, c)) + eps);
    const shift = load<f32>(at(beta, c)) - load<f32>(at(mean, c)) * scale;
    for (let n = 0; n < batch; n++) {
      const offset = (n * channels + c) * spatial;
      affineRun(at(x, offset), residual == 0 ? 0 : at(residual, offset), at(y, offset), spatial, scale, shift, low, high);
    }
  }
}

/**
 * gy, zeroed where the activation was flat: its output y (when given) not above 0, or for
 * ReLU6 (`bounded`) not below 6 — the masks of reluBackward and clampBackward.
 */
@inline function maskedGrad(gp: usize, yp: usize, i: i32, bounded: bool): v128 {
  const g = v128.load(at(gp, i));
  if (yp == 0) return g;
  const y = v128.load(at(yp, i));
  const above = f32x4.gt(y, f32x4.splat(0));
  return v128.and(g, bounded ? v128.and(above, f32x4.lt(y, f32x4.splat(6))) : above);
}

@inline function maskedGradAt(gp: usize, yp: usize, i: i32, bounded: bool): f32 {
  if (yp == 0) return load<f32>(at(gp, i));
  const y = load<f32>(at(yp, i));
  return y > 0 && (!bounded || y < 6) ? load<f32>(at(gp, i)) : 0;
}

export function batchNormBackward(p: BatchNormBackwardParams, part: i32, parts: i32): void {
  const x = p.x, gy = p.gy, y = p.y, mean = p.mean, variance = p.variance, gamma = p.gamma, gx = p.gx, gGamma = p.gGamma, gBeta = p.gBeta;
  const gResidual = p.gResidual;
  const batch = p.batch, channels = p.channels, spatial = p.spatial, eps = p.eps, batchStats = p.batchStats;
  const count = <f32>(batch * spatial);
  const bounded = p.activation == ACTIVATION_RELU6;
  for (let c = shareStart(channels, part, parts); c < shareStart(channels, part + 1, parts); c++) {
    const mu = load<f32>(at(mean, c));
    const invStd: f32 = 1 / Mathf.sqrt(load<f32>(at(variance, c)) + eps);
    // Σ g and Σ g·(x - mu), one pass over the channel
    let sumG: f64 = 0;
    let sumGX: f64 = 0;
    const m = f32x4.splat(mu);
    for (let n = 0; n < batch; n++) {
      const offset = (n * channels + c) * spatial;
      const xp = at(x, offset);
      const gp = at(gy, offset);
      const yp = y == 0 ? 0 : at(y, offset);
      let accG = f32x4.splat(0);
      let accGX = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= spatial; i += 4) {
        const g = maskedGrad(gp, yp, i, bounded);
        accG = f32x4.add(accG, g);
        accGX = f32x4.add(accGX, f32x4.mul(g, f32x4.sub(v128.load(at(xp, i)), m)));
      }
      sumG += lanesSum(accG);
      sumGX += lanesSum(accGX);
      for (; i < spatial; i++) {
        const g = maskedGradAt(gp, yp, i, bounded);
        sumG += <f64>g;
        sumGX += <f64>(g * (load<f32>(at(xp, i)) - mu));
      }
    }
    const sumGXhat = <f32>(sumGX * invStd);
    store<f32>(at(gGamma, c), sumGXhat);
    store<f32>(at(gBeta, c), <f32>sumG);
    // gx = k·(count·g - Σg - x̂·Σg·x̂) with k = γ/(σ·count): an affine map of (g, x) per channel
    const k = load<f32>(at(gamma, c)) * invStd / count;
    const gScale = k * count;
    const xScale = batchStats ? -k * sumGXhat * invStd : 0;
    const shift = batchStats ? -k * <f32>sumG + k * sumGXhat * invStd * mu : 0;
    const gs = f32x4.splat(gScale);
    const xs = f32x4.splat(xScale);
    const sh = f32x4.splat(shift);
    for (let n = 0; n < batch; n++) {
      const offset = (n * channels + c) * spatial;
      const xp = at(x, offset);
      const gp = at(gy, offset);
      const yp = y == 0 ? 0 : at(y, offset);
      const rp = gResidual == 0 ? 0 : at(gResidual, offset);
      const op = at(gx, offset);
      let i = 0;
      for (; i + 4 <= spatial; i += 4) {
        const g = maskedGrad(gp, yp, i, bounded);
        v128.store(at(op, i), f32x4.add(f32x4.add(f32x4.mul(g, gs), f32x4.mul(v128.load(at(xp, i)), xs)), sh));
        if (rp != 0) v128.store(at(rp, i), g);
      }
      for (; i < spatial; i++) {
        const g = maskedGradAt(gp, yp, i, bounded);
        store<f32>(at(op, i), g * gScale + load<f32>(at(xp, i)) * xScale + shift);
        if (rp != 0) store<f32>(at(rp, i), g);
      }
    }
  }
}
