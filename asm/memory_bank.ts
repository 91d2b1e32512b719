// The memory-bank softmaxes of docs/method.md §3 over a chunk of bank columns (the twin of
// shaders/memory_bank.wgsl): row statistics merged online across chunks, then the gradient
// with respect to the similarities. Parallel by batch row; four columns at a time with a
// vector exp (the B×N exponentials are most of these kernels' work).
//
// Both kernels take one exponential per column, t = e^{s−M}: the other softmaxes are powers
// of it, e^{(s−M)/2} = √t and, when 1/τ is a whole number k (τ = 0.1 by default),
// e^{(s−M)/τ} = t^k by squaring. Other temperatures take a second exponential.
import { at, exp4, lanesMax, lanesSum, shareStart } from './common';
import {
  BANK_SLOT_MAX, BANK_SLOT_WEIGHTED, BANK_SLOT_Z_HALF, BANK_SLOT_Z_ONE, BANK_SLOT_Z_TAU, BANK_STATS, BankGradParams, BankStatsParams,
} from './generated';

/** 1/τ when it is a whole number up to 64 (then e^{x/τ} = (e^x)^k), else 0. */
@inline function wholePower(invTau: f32): i32 {
  const k = <i32>Mathf.round(invTau);
  return k >= 1 && k <= 64 && Mathf.abs(invTau - <f32>k) <= 1e-6 * <f32>k ? k : 0;
}

/** t^k by squaring (k ≥ 1): from the lowest set bit of k, square and multiply in the rest. */
@inline function power4(t: v128, k: i32): v128 {
  let base = t;
  let e = k;
  while ((e & 1) == 0) { base = f32x4.mul(base, base); e >>= 1; }
  let result = base;
  for (e >>= 1; e > 0; e >>= 1) {
    base = f32x4.mul(base, base);
    if (e & 1) result = f32x4.mul(result, base);
  }
  return result;
}

/** e^{d/τ} in each lane, from t = e^d when 1/τ is the whole number k. */
@inline function tauExp4(d: v128, t: v128, k: i32, invTau4: v128): v128 {
  return k > 0 ? power4(t, k) : exp4(f32x4.mul(d, invTau4));
}

export function bankStats(p: BankStatsParams, part: i32, parts: i32): void {
  const s = p.s, stats = p.stats, rows = p.rows, cols = p.cols, tau = p.tau;
  const invTau: f32 = 1 / tau, k = wholePower(invTau);
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const row = at(s, r * cols);
    let wide = f32x4.splat(-3.4028234663852886e38);
    let j = 0;
    for (; j + 4 <= cols; j += 4) wide = f32x4.max(wide, v128.load(at(row, j)));
    let chunkMax = lanesMax(wide);
    for (; j < cols; j++) chunkMax = Mathf.max(chunkMax, load<f32>(at(row, j)));
    const max4 = f32x4.splat(chunkMax), invTau4 = f32x4.splat(invTau);
    let zTau4 = f32x4.splat(0), zOne4 = f32x4.splat(0), zHalf4 = f32x4.splat(0), weighted4 = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const v = v128.load(at(row, j));
      const d = f32x4.sub(v, max4);
      const e = exp4(d);
      zTau4 = f32x4.add(zTau4, tauExp4(d, e, k, invTau4));
      zOne4 = f32x4.add(zOne4, e);
      zHalf4 = f32x4.add(zHalf4, f32x4.sqrt(e));
      weighted4 = f32x4.add(weighted4, f32x4.mul(e, v));
    }
    let zTau = lanesSum(zTau4), zOne = lanesSum(zOne4), zHalf = lanesSum(zHalf4), weighted = lanesSum(weighted4);
    for (; j < cols; j++) {
      const v = load<f32>(at(row, j));
      const e = Mathf.exp(v - chunkMax);
      zTau += Mathf.exp((v - chunkMax) * invTau);
      zOne += e;
      zHalf += Mathf.sqrt(e);
      weighted += e * v;
    }
    const st = at(stats, r * BANK_STATS);
    const oldMax = load<f32>(at(st, BANK_SLOT_MAX));
    const newMax = Mathf.max(oldMax, chunkMax);
    const keep = oldMax - newMax, add = chunkMax - newMax;
    store<f32>(at(st, BANK_SLOT_MAX), newMax);
    const zTauAt = at(st, BANK_SLOT_Z_TAU), zOneAt = at(st, BANK_SLOT_Z_ONE), zHalfAt = at(st, BANK_SLOT_Z_HALF);
    const weightedAt = at(st, BANK_SLOT_WEIGHTED);
    store<f32>(zTauAt, load<f32>(zTauAt) * Mathf.exp(keep * invTau) + <f32>zTau * Mathf.exp(add * invTau));
    store<f32>(zOneAt, load<f32>(zOneAt) * Mathf.exp(keep) + <f32>zOne * Mathf.exp(add));
    store<f32>(zHalfAt, load<f32>(zHalfAt) * Mathf.exp(keep * 0.5) + <f32>zHalf * Mathf.exp(add * 0.5));
    store<f32>(weightedAt, load<f32>(weightedAt) * Mathf.exp(keep) + <f32>weighted * Mathf.exp(add));
  }
}

export function bankGrad(p: BankGradParams, part: i32, parts: i32): void {
  const s = p.s, stats = p.stats, index = p.index, g = p.g, q = p.q, rows = p.rows, cols = p.cols, colOffset = p.colOffset;
  const tau = p.tau, lambda = p.lambda;
  const batch = <f32>rows;
  const invTau: f32 = 1 / tau, k = wholePower(invTau), ceScale: f32 = 1 / (batch * tau), klScale: f32 = lambda / (2 * batch);
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const st = at(stats, r * BANK_STATS);
    const m = load<f32>(at(st, BANK_SLOT_MAX)), zTau = load<f32>(at(st, BANK_SLOT_Z_TAU)), zOne = load<f32>(at(st, BANK_SLOT_Z_ONE));
    const logZTau = m * invTau + Mathf.log(zTau);
    const logZOne = m + Mathf.log(zOne);
    const meanS = load<f32>(at(st, BANK_SLOT_WEIGHTED)) / zOne;
    const own = load<i32>(at(index, r)) - colOffset;
    const gRow = at(g, r * cols), qRow = at(q, r * cols), sRow = at(s, r * cols);
    // every column as if y = 0; the own column, if in this chunk, is redone below
    // prob = e^{(s−M)/τ} / zTau and probOne = e^{s−M} / zOne
    const max4 = f32x4.splat(m), invTau4 = f32x4.splat(invTau);
    const invZTau4 = f32x4.splat(1 / zTau), invZOne4 = f32x4.splat(1 / zOne);
    const meanS4 = f32x4.splat(meanS), ceScale4 = f32x4.splat(ceScale), klScale4 = f32x4.splat(klScale);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const v = v128.load(at(sRow, j));
      const d = f32x4.sub(v, max4);
      const t = exp4(d);
      const prob = f32x4.mul(tauExp4(d, t, k, invTau4), invZTau4);
      const probOne = f32x4.mul(t, invZOne4);
      v128.store(at(gRow, j), f32x4.add(f32x4.mul(prob, ceScale4), f32x4.mul(klScale4, f32x4.mul(probOne, f32x4.sub(v, meanS4)))));
      v128.store(at(qRow, j), f32x4.neg(prob));
    }
    for (; j < cols; j++) gradAt(sRow, gRow, qRow, j, 0, invTau, logZTau, logZOne, meanS, ceScale, klScale);
    if (own >= 0 && own < cols) gradAt(sRow, gRow, qRow, own, 1, invTau, logZTau, logZOne, meanS, ceScale, klScale);
  }
}

@inline function gradAt(
  sRow: usize, gRow: usize, qRow: usize, j: i32, y: f32, invTau: f32, logZTau: f32, logZOne: f32, meanS: f32, ceScale: f32, klScale: f32,
): void {
  const v = load<f32>(at(sRow, j));
  const prob = Mathf.exp(v * invTau - logZTau);
  const probOne = Mathf.exp(v - logZOne);
  store<f32>(at(gRow, j), (prob - y) * ceScale + klScale * probOne * (v - meanS));
  store<f32>(at(qRow, j), y - prob);
}
