// The memory-bank softmaxes of METHOD.md §3 over a chunk of bank columns (the twin of
// shaders/memory_bank.wgsl): row statistics merged online across chunks, then the gradient
// with respect to the similarities. Parallel by batch row.
import { at, shareStart } from './common';

export function bankStats(s: usize, stats: usize, rows: i32, cols: i32, tau: f32, part: i32, parts: i32): void {
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const row = at(s, r * cols);
    let chunkMax: f32 = -3.4028234663852886e38;
    for (let j = 0; j < cols; j++) chunkMax = Mathf.max(chunkMax, load<f32>(at(row, j)));
    let zTau: f32 = 0, zOne: f32 = 0, zHalf: f32 = 0, weighted: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(at(row, j));
      const e = Mathf.exp(v - chunkMax);
      zTau += Mathf.exp((v - chunkMax) / tau);
      zOne += e;
      zHalf += Mathf.exp((v - chunkMax) * 0.5);
      weighted += e * v;
    }
    const st = at(stats, r * 8);
    const oldMax = load<f32>(st);
    const newMax = Mathf.max(oldMax, chunkMax);
    const keep = oldMax - newMax, add = chunkMax - newMax;
    store<f32>(st, newMax);
    store<f32>(st, load<f32>(st, 4) * Mathf.exp(keep / tau) + zTau * Mathf.exp(add / tau), 4);
    store<f32>(st, load<f32>(st, 8) * Mathf.exp(keep) + zOne * Mathf.exp(add), 8);
    store<f32>(st, load<f32>(st, 12) * Mathf.exp(keep * 0.5) + zHalf * Mathf.exp(add * 0.5), 12);
    store<f32>(st, load<f32>(st, 16) * Mathf.exp(keep) + weighted * Mathf.exp(add), 16);
  }
}

export function bankGrad(
  s: usize, stats: usize, index: usize, g: usize, q: usize, rows: i32, cols: i32, colOffset: i32, tau: f32, lambda: f32,
  part: i32, parts: i32,
): void {
  const batch = <f32>rows;
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const st = at(stats, r * 8);
    const m = load<f32>(st);
    const logZTau = m / tau + Mathf.log(load<f32>(st, 4));
    const logZOne = m + Mathf.log(load<f32>(st, 8));
    const meanS = load<f32>(st, 16) / load<f32>(st, 8);
    const own = load<i32>(at(index, r)) - colOffset;
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      const v = load<f32>(at(s, i));
      const prob = Mathf.exp(v / tau - logZTau);
      const probOne = Mathf.exp(v - logZOne);
      const y: f32 = j == own ? 1 : 0;
      store<f32>(at(g, i), (prob - y) / (batch * tau) + lambda / (2 * batch) * probOne * (v - meanS));
      store<f32>(at(q, i), y - prob);
    }
  }
}
