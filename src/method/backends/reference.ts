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
    plane = w * h,
    channels = p.channels;
  const stride = p.blocks + (p.colour ? 2 : 0);
  const uniforms = (block: number) => philoxBlock(p.key, p.counter, block).map(wordToUniform) as [number, number, number, number];
  for (let b = 0; b < p.batch; b++) {
    const [u0, u1, u2, u3] = uniforms(stride * b);
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
    const [g0, g1, g2, g3] = uniforms(stride * b + 1);
    const flipped = p.flip && g0 < 0.5;
    const theta = 2 * Math.PI * p.rotateTurns * (2 * g1 - 1),
      cos = Math.cos(theta),
      sin = Math.sin(theta);
    const [cx, cy] = [x0 + cw / 2, y0 + ch / 2],
      [tx, ty] = [p.translate * w * (2 * g2 - 1), p.translate * h * (2 * g3 - 1)];
    const box = p.blocks === 3 ? erasedBox(p, philoxBlock(p.key, p.counter, stride * b + 2)) : null;
    const base = idx[b]! * channels * plane;
    /** Channel c of the view at output (i, j), bilinearly sampled: 0–255. */
    const sample = (c: number, i: number, j: number) => {
      let x = x0 + (((flipped ? w - 1 - j : j) + 0.5) * cw) / w,
        y = y0 + ((i + 0.5) * ch) / h;
      if (p.blocks === 3) [x, y] = [cx + cos * (x - cx) - sin * (y - cy) + tx, cy + sin * (x - cx) + cos * (y - cy) + ty];
      x -= 0.5;
      y -= 0.5;
      const xi = Math.floor(x),
        yi = Math.floor(y),
        fx = x - xi,
        fy = y - yi;
      const pixel = (y: number, x: number) =>
        bytes[base + c * plane + Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)]!;
      const top = pixel(yi, xi) + (pixel(yi, xi + 1) - pixel(yi, xi)) * fx;
      const bottom = pixel(yi + 1, xi) + (pixel(yi + 1, xi + 1) - pixel(yi + 1, xi)) * fx;
      return top + (bottom - top) * fy;
    };
    const colour = p.colour ? colourDraw(p, uniforms(stride * b + p.blocks), uniforms(stride * b + p.blocks + 1)) : null;
    const view = (i: number, j: number) => [0, 1, 2].map((c) => sample(c, i, j) / 255) as Rgb;
    // contrast blends with the mean gray level of the whole view as it stands before it
    let level = 0;
    if (colour?.order.includes(CONTRAST)) {
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) level += gray(adjust(view(i, j), colour, 0, CONTRAST));
      level /= plane;
    }
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const erased =
          box !== null && i + 0.5 >= box.top && i + 0.5 < box.top + box.height && j + 0.5 >= box.left && j + 0.5 < box.left + box.width;
        const values = colour ? distort(view(i, j), colour, level) : Array.from({ length: channels }, (_, c) => sample(c, i, j) / 255);
        for (let c = 0; c < channels; c++) {
          o[((b * channels + c) * h + i) * w + j] = erased ? 0 : (values[c]! - p.mean[c]!) / p.std[c]!;
        }
      }
    }
  }
}

type Rgb = [number, number, number];
const [BRIGHTNESS, CONTRAST, SATURATION, HUE] = [0, 1, 2, 3];

/** One image's colour distortion (AugmentParams): the adjustments in their order (none unless jittered), their factors, grayscale. */
interface ColourDraw {
  order: number[];
  factors: [brightness: number, contrast: number, saturation: number, hue: number];
  grayscale: boolean;
}

function colourDraw(p: AugmentParams, [c0, c1, c2, c3]: number[], [d0, d1, d2]: number[]): ColourDraw {
  const factor = (strength: number, u: number) => Math.max(0, 1 - strength) + (1 + strength - Math.max(0, 1 - strength)) * u;
  const left = [BRIGHTNESS, CONTRAST, SATURATION, HUE];
  const order: number[] = [];
  for (let k = Math.floor(24 * d1!), n = 4; n > 0; k = Math.floor(k / n), n--) order.push(left.splice(k % n, 1)[0]!);
  return {
    order: c0! < p.jitter ? order : [],
    factors: [factor(p.brightness, c1!), factor(p.contrast, c2!), factor(p.saturation, c3!), p.hue * (2 * d0! - 1)],
    grayscale: d2! < p.grayscale,
  };
}

const gray = ([r, g, b]: Rgb) => 0.2989 * r + 0.587 * g + 0.114 * b;
const clamp01 = (x: number) => Math.min(Math.max(x, 0), 1);
const blend = (x: Rgb, f: number, other: (c: number) => number): Rgb => x.map((v, c) => clamp01(f * v + (1 - f) * other(c))) as Rgb;

/** The draw's adjustments in its order, up to (not including) `until` where given; `level` is the contrast's mean. */
function adjust(x: Rgb, draw: ColourDraw, level: number, until = -1): Rgb {
  for (const op of draw.order) {
    if (op === until) break;
    const f = draw.factors[op]!;
    if (op === BRIGHTNESS) x = blend(x, f, () => 0);
    else if (op === CONTRAST) x = blend(x, f, () => level);
    else if (op === SATURATION) x = blend(x, f, () => gray(x));
    else x = shiftHue(x, f);
  }
  return x;
}

function distort(x: Rgb, draw: ColourDraw, level: number): Rgb {
  const y = adjust(x, draw, level);
  return draw.grayscale ? [gray(y), gray(y), gray(y)] : y;
}

/** torchvision's adjust_hue on one pixel: to HSV, h + shift mod 1, back. */
function shiftHue([r, g, b]: Rgb, shift: number): Rgb {
  const max = Math.max(r, g, b),
    min = Math.min(r, g, b),
    chroma = max - min;
  const s = chroma / (max === min ? 1 : max),
    divisor = max === min ? 1 : chroma;
  const [rc, gc, bc] = [(max - r) / divisor, (max - g) / divisor, (max - b) / divisor];
  const sixths = max === r ? bc - gc : max === g ? 2 + rc - bc : 4 + gc - rc;
  let hue = (((sixths / 6 + 1) % 1) + shift) % 1;
  if (hue < 0) hue += 1;
  const sector = Math.floor(hue * 6),
    f = hue * 6 - sector;
  const v = max,
    lowest = clamp01(v * (1 - s)),
    falling = clamp01(v * (1 - s * f)),
    rising = clamp01(v * (1 - s * (1 - f)));
  const sectors: Rgb[] = [
    [v, rising, lowest],
    [falling, v, lowest],
    [lowest, v, rising],
    [lowest, falling, v],
    [rising, lowest, v],
    [v, lowest, falling],
  ];
  return sectors[sector % 6]!;
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
