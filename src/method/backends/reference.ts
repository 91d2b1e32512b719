// The method's kernels on the reference backend: plain loops, the oracle of the others.

import type { ReferenceContext } from '../../engine/backends/reference/context.js';
import { philoxBlock, wordToUniform } from '../../engine/random.js';
import { BANK_SLOT, BANK_STATS } from '../bank-stats.js';
import type { AugmentParams, MethodArgs } from '../kernels.js';

export function bankStats({ data }: ReferenceContext, { s, stats, ...p }: MethodArgs<'bankStats'>): void {
  const sv = data(s),
    st = data(stats);
  for (let r = 0; r < p.rows; r++) {
    const row = sv.subarray(r * p.cols, (r + 1) * p.cols);
    const chunkMax = Math.max(...Array.from(row));
    let zTau = 0,
      zOne = 0,
      zHalf = 0,
      weighted = 0;
    for (const v of row) {
      zTau += Math.exp((v - chunkMax) / p.tau);
      zOne += Math.exp(v - chunkMax);
      zHalf += Math.exp((v - chunkMax) / 2);
      weighted += Math.exp(v - chunkMax) * v;
    }
    const at = r * BANK_STATS,
      max = at + BANK_SLOT.max;
    const newMax = Math.max(st[max]!, chunkMax),
      keep = st[max]! - newMax,
      add = chunkMax - newMax;
    const merge = (slot: number, sum: number, rescale: (x: number) => number) => {
      st[at + slot] = st[at + slot]! * Math.exp(rescale(keep)) + sum * Math.exp(rescale(add));
    };
    st[max] = newMax;
    merge(BANK_SLOT.zTau, zTau, (x) => x / p.tau);
    merge(BANK_SLOT.zOne, zOne, (x) => x);
    merge(BANK_SLOT.zHalf, zHalf, (x) => x / 2);
    merge(BANK_SLOT.weighted, weighted, (x) => x);
  }
}

export function bankGrad({ data }: ReferenceContext, { s, stats, index, g, q, ...p }: MethodArgs<'bankGrad'>): void {
  const sv = data(s),
    st = data(stats),
    idx = data(index),
    gv = data(g),
    qv = data(q),
    batch = p.rows;
  for (let r = 0; r < p.rows; r++) {
    const at = r * BANK_STATS,
      m = st[at + BANK_SLOT.max]!,
      zOne = st[at + BANK_SLOT.zOne]!;
    const logZTau = m / p.tau + Math.log(st[at + BANK_SLOT.zTau]!),
      logZOne = m + Math.log(zOne);
    const meanS = st[at + BANK_SLOT.weighted]! / zOne;
    for (let j = 0; j < p.cols; j++) {
      const v = sv[r * p.cols + j]!,
        prob = Math.exp(v / p.tau - logZTau),
        probOne = Math.exp(v - logZOne);
      const y = idx[r]! - p.colOffset === j ? 1 : 0;
      gv[r * p.cols + j] = (prob - y) / (batch * p.tau) + (p.lambda / (2 * batch)) * probOne * (v - meanS);
      qv[r * p.cols + j] = y - prob;
    }
  }
}

export function augment({ data }: ReferenceContext, { pixels, index, out, ...p }: MethodArgs<'augment'>): void {
  const bytes = new Uint8Array(data(pixels).buffer, data(pixels).byteOffset, pixels.size * 4);
  const idx = data(index),
    o = data(out),
    w = p.width,
    h = p.height,
    plane = w * h;
  const uniforms = (block: number) => philoxBlock(p.key, p.counter, block).map(wordToUniform) as [number, number, number, number];
  for (let b = 0; b < p.batch; b++) {
    const [u0, u1, u2, u3] = uniforms(p.blocks * b);
    let cw = w,
      ch = h,
      x0 = 0,
      y0 = 0;
    if (p.crop) {
      const area = h * w * (p.scaleMin + (p.scaleMax - p.scaleMin) * u0);
      const logMin = Math.log(p.ratioMin);
      const ratio = Math.exp(logMin + (Math.log(p.ratioMax) - logMin) * u1);
      cw = Math.min(w, Math.sqrt(area * ratio));
      ch = Math.min(h, Math.sqrt(area / ratio));
      x0 = (w - cw) * u2;
      y0 = (h - ch) * u3;
    }
    const [g0, g1, g2, g3] = uniforms(p.blocks * b + 1);
    const flipped = p.flip && g0 < 0.5;
    const theta = 2 * Math.PI * p.rotateTurns * (2 * g1 - 1),
      cos = Math.cos(theta),
      sin = Math.sin(theta);
    const [cx, cy] = [x0 + cw / 2, y0 + ch / 2],
      [tx, ty] = [p.translate * w * (2 * g2 - 1), p.translate * h * (2 * g3 - 1)];
    const box = p.blocks === 3 ? erasedBox(p, philoxBlock(p.key, p.counter, 3 * b + 2)) : null;
    const base = idx[b]! * plane;
    const pixel = (y: number, x: number) => bytes[base + Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)]!;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let x = x0 + (((flipped ? w - 1 - j : j) + 0.5) * cw) / w,
          y = y0 + ((i + 0.5) * ch) / h;
        if (p.blocks === 3) [x, y] = [cx + cos * (x - cx) - sin * (y - cy) + tx, cy + sin * (x - cx) + cos * (y - cy) + ty];
        x -= 0.5;
        y -= 0.5;
        const xi = Math.floor(x),
          yi = Math.floor(y),
          fx = x - xi,
          fy = y - yi;
        const top = pixel(yi, xi) + (pixel(yi, xi + 1) - pixel(yi, xi)) * fx;
        const bottom = pixel(yi + 1, xi) + (pixel(yi + 1, xi + 1) - pixel(yi + 1, xi)) * fx;
        const erased =
          box !== null && i + 0.5 >= box.top && i + 0.5 < box.top + box.height && j + 0.5 >= box.left && j + 0.5 < box.left + box.width;
        o[b * plane + i * w + j] = erased ? 0 : ((top + (bottom - top) * fy) / 255 - p.mean) / p.std;
      }
    }
  }
}

/** Random erasing's box for one image (AugmentParams), or null when the image is not erased. */
function erasedBox(
  p: AugmentParams,
  words: [number, number, number, number],
): { top: number; left: number; height: number; width: number } | null {
  const [e0, e1, e2] = words.map(wordToUniform) as [number, number, number];
  if (e0 >= p.erase) return null;
  const area = p.height * p.width * (p.eraseScaleMin + (p.eraseScaleMax - p.eraseScaleMin) * e1);
  const logMin = Math.log(p.eraseRatioMin);
  const aspect = Math.exp(logMin + (Math.log(p.eraseRatioMax) - logMin) * e2);
  const height = Math.min(p.height, Math.sqrt(area * aspect)),
    width = Math.min(p.width, Math.sqrt(area / aspect));
  return { top: ((p.height - height) * (words[3] >>> 16)) / 65536, left: ((p.width - width) * (words[3] & 0xffff)) / 65536, height, width };
}
