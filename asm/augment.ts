// One random augmentation per image (the twin of shaders/augment.wgsl; AugmentParams in
// src/method/kernels.ts): random resized crop sampled bilinearly, horizontal flip, and where asked
// a rotation, a shift and random erasing, then SimCLR's colour distortion where asked, then
// normalisation.
import { at, philox, uniformOf, word0, word1, word2, word3 } from './common';
import { AugmentParams } from './generated';

@inline function pixel(image: usize, height: i32, width: i32, y: i32, x: i32): f32 {
  const yy = min(max(y, 0), height - 1);
  const xx = min(max(x, 0), width - 1);
  return <f32>load<u8>(image + <usize>(yy * width + xx));
}

const TWO_POW_MINUS_16: f32 = 1.52587890625e-5;

/** One plane of an image at source point (x, y), bilinearly (edges clamped): 0–255. */
@inline function bilinear(image: usize, height: i32, width: i32, x: f32, y: f32): f32 {
  const xf = Mathf.floor(x), yf = Mathf.floor(y);
  const fx = x - xf, fy = y - yf;
  const xi = <i32>xf, yi = <i32>yf;
  const p00 = pixel(image, height, width, yi, xi), p01 = pixel(image, height, width, yi, xi + 1);
  const p10 = pixel(image, height, width, yi + 1, xi), p11 = pixel(image, height, width, yi + 1, xi + 1);
  const top = p00 + (p01 - p00) * fx;
  const bottom = p10 + (p11 - p10) * fx;
  return top + (bottom - top) * fy;
}

// The colour distortion of one image: the adjustments' order (4 bits each, 0xf past the last),
// their factors, grayscale or not; and the pixel it works on.
let order: u32 = 0xffff;
let brightnessFactor: f32 = 1, contrastFactor: f32 = 1, saturationFactor: f32 = 1, hueShift: f32 = 0;
let red: f32 = 0, green: f32 = 0, blue: f32 = 0;
const CONTRAST: u32 = 1, DONE: u32 = 0xf;

@inline function gray(): f32 {
  return 0.2989 * red + 0.587 * green + 0.114 * blue;
}

@inline function clamp01(x: f32): f32 {
  return Mathf.min(Mathf.max(x, 0), 1);
}

/** red, green, blue ← f·x + (1 − f)·other, clamped. */
@inline function blend(f: f32, other: f32): void {
  const rest = (<f32>1 - f) * other;
  red = clamp01(f * red + rest);
  green = clamp01(f * green + rest);
  blue = clamp01(f * blue + rest);
}

/** torchvision's adjust_hue on the pixel: to HSV, the hue shifted (mod 1), back. */
function shiftHue(shift: f32): void {
  const top = Mathf.max(red, Mathf.max(green, blue)), bottom = Mathf.min(red, Mathf.min(green, blue));
  const chroma = top - bottom;
  const s = chroma / (top == bottom ? 1 : top);
  const divisor: f32 = top == bottom ? 1 : chroma;
  const rc = (top - red) / divisor, gc = (top - green) / divisor, bc = (top - blue) / divisor;
  const sixths: f32 = top == red ? bc - gc : top == green ? <f32>2 + rc - bc : <f32>4 + gc - rc;
  let hue = (sixths / 6 + 1) % 1 + shift;
  hue -= Mathf.floor(hue);
  const sector = Mathf.floor(hue * 6);
  const f = hue * 6 - sector;
  const v = top;
  const lowest = clamp01(v * (<f32>1 - s)), falling = clamp01(v * (<f32>1 - s * f)), rising = clamp01(v * (<f32>1 - s * (<f32>1 - f)));
  switch (<i32>sector % 6) {
    case 1: red = falling; green = v; blue = lowest; break;
    case 2: red = lowest; green = v; blue = rising; break;
    case 3: red = lowest; green = falling; blue = v; break;
    case 4: red = rising; green = lowest; blue = v; break;
    case 5: red = v; green = lowest; blue = falling; break;
    default: red = v; green = rising; blue = lowest;
  }
}

/** The adjustments in the image's order up to (not including) `until`; `level` is the contrast's mean gray. */
function adjust(level: f32, until: u32): void {
  for (let k: u32 = 0; k < 4; k++) {
    const op = (order >> (4 * k)) & 0xf;
    if (op == DONE || op == until) break;
    if (op == 0) blend(brightnessFactor, 0);
    else if (op == 1) blend(contrastFactor, level);
    else if (op == 2) blend(saturationFactor, gray());
    else shiftHue(hueShift);
  }
}

/** red, green, blue ← the three planes at source point (x, y), as fractions of 255. */
@inline function sampleColour(image: usize, plane: i32, height: i32, width: i32, x: f32, y: f32): void {
  red = bilinear(image, height, width, x, y) / 255;
  green = bilinear(image + <usize>plane, height, width, x, y) / 255;
  blue = bilinear(image + <usize>(2 * plane), height, width, x, y) / 255;
}

@inline function factor(strength: f32, u: f32): f32 {
  const low = Mathf.max(0, <f32>1 - strength);
  return low + (<f32>1 + strength - low) * u;
}

/** Draws the image's colour distortion from its two colour blocks (block, block + 1); returns whether it turns gray. */
function drawColour(p: AugmentParams, block: u32): bool {
  philox(p.counterLow, p.counterHigh, block, p.key0, p.key1);
  const jittered = uniformOf(word0) < p.jitter;
  brightnessFactor = factor(p.brightness, uniformOf(word1));
  contrastFactor = factor(p.contrast, uniformOf(word2));
  saturationFactor = factor(p.saturation, uniformOf(word3));
  philox(p.counterLow, p.counterHigh, block + 1, p.key0, p.key1);
  hueShift = p.hue * (2 * uniformOf(word0) - 1);
  order = 0xffff;
  if (jittered) {
    // the Lehmer code k of a permutation of brightness, contrast, saturation, hue (0…3)
    let left: u32 = 0x3210, k = ((word1 >> 8) * 24) >> 24; // ⌊24·uniformOf(word1)⌋, exactly
    order = 0;
    for (let n: u32 = 4; n > 0; n--) {
      const shift = 4 * (k % n);
      order |= ((left >> shift) & 0xf) << (4 * (4 - n));
      left = (left & ((1 << shift) - 1)) | ((left >> (shift + 4)) << shift);
      k /= n;
    }
  }
  return uniformOf(word2) < p.grayscale;
}

function hasContrast(): bool {
  for (let k: u32 = 0; k < 4; k++) if (((order >> (4 * k)) & 0xf) == CONTRAST) return true;
  return false;
}

@inline function meanOf(p: AugmentParams, c: i32): f32 {
  return c == 0 ? p.mean0 : c == 1 ? p.mean1 : c == 2 ? p.mean2 : p.mean3;
}

@inline function stdOf(p: AugmentParams, c: i32): f32 {
  return c == 0 ? p.std0 : c == 1 ? p.std1 : c == 2 ? p.std2 : p.std3;
}

export function augment(p: AugmentParams): void {
  const pixels = p.pixels, index = p.index, out = p.out, batch = p.batch, height = p.height, width = p.width, crop = p.crop;
  const key0 = p.key0, key1 = p.key1, counterLow = p.counterLow, counterHigh = p.counterHigh;
  const scaleMin = p.scaleMin, scaleMax = p.scaleMax, logRatioMin = p.logRatioMin, logRatioMax = p.logRatioMax;
  const flip = p.flip, blocks = p.blocks, rotateTurns = p.rotateTurns, translate = p.translate, erase = p.erase;
  const eraseScaleMin = p.eraseScaleMin, eraseScaleMax = p.eraseScaleMax, eraseLogRatioMin = p.eraseLogRatioMin;
  const eraseLogRatioMax = p.eraseLogRatioMax, channels = p.channels, colour = p.colour;
  const stride = blocks + (colour ? 2 : 0);
  const w = <f32>width, h = <f32>height;
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    philox(counterLow, counterHigh, <u32>(stride * b), key0, key1);
    let cw = w, ch = h, x0: f32 = 0, y0: f32 = 0;
    if (crop) {
      const area = h * w * (scaleMin + (scaleMax - scaleMin) * uniformOf(word0));
      const ratio = Mathf.exp(logRatioMin + (logRatioMax - logRatioMin) * uniformOf(word1));
      cw = Mathf.min(w, Mathf.sqrt(area * ratio));
      ch = Mathf.min(h, Mathf.sqrt(area / ratio));
      x0 = (w - cw) * uniformOf(word2);
      y0 = (h - ch) * uniformOf(word3);
    }
    philox(counterLow, counterHigh, <u32>(stride * b + 1), key0, key1);
    const flipped = flip && uniformOf(word0) < 0.5;
    // the window's map from output to source: x = ox + axx·j′ + axy·i, y = oy + ayx·j′ + ayy·i
    let axx = cw / w, axy: f32 = 0, ayx: f32 = 0, ayy = ch / h;
    let ox = x0 + 0.5 * axx - 0.5, oy = y0 + 0.5 * ayy - 0.5;
    let eraseTop: f32 = 0, eraseLeft: f32 = 0, eraseHeight: f32 = 0, eraseWidth: f32 = 0;
    if (blocks == 3) {
      // rotate about the window's centre, then shift
      let turns = rotateTurns * (2 * uniformOf(word1) - 1);
      turns -= Mathf.floor(turns);
      const c = Mathf.cos(6.283185307179586 * turns), s = Mathf.sin(6.283185307179586 * turns);
      const cx = x0 + 0.5 * cw, cy = y0 + 0.5 * ch;
      const tx = translate * w * (2 * uniformOf(word2) - 1), ty = translate * h * (2 * uniformOf(word3) - 1);
      // x = cx + c·(X − cx) − s·(Y − cy) + tx with X = x0 + (j′ + ½)·cw/W, Y = y0 + (i + ½)·ch/H
      const bx = x0 + 0.5 * axx - cx, by = y0 + 0.5 * ayy - cy;
      ox = cx + c * bx - s * by + tx - 0.5;
      oy = cy + s * bx + c * by + ty - 0.5;
      axy = -s * ayy; ayx = s * axx; ayy = c * ayy; axx = c * axx;
      philox(counterLow, counterHigh, <u32>(stride * b + 2), key0, key1);
      if (uniformOf(word0) < erase) {
        const area = h * w * (eraseScaleMin + (eraseScaleMax - eraseScaleMin) * uniformOf(word1));
        const ratio = Mathf.exp(eraseLogRatioMin + (eraseLogRatioMax - eraseLogRatioMin) * uniformOf(word2));
        eraseHeight = Mathf.min(h, Mathf.sqrt(area * ratio));
        eraseWidth = Mathf.min(w, Mathf.sqrt(area / ratio));
        eraseTop = (h - eraseHeight) * <f32>(word3 >> 16) * TWO_POW_MINUS_16;
        eraseLeft = (w - eraseWidth) * <f32>(word3 & 0xffff) * TWO_POW_MINUS_16;
      }
    }
    const image = pixels + <usize>(load<i32>(at(index, b)) * channels * plane);
    if (!colour) {
      for (let k = 0; k < channels; k++) {
        const source = image + <usize>(k * plane);
        const o = at(out, (b * channels + k) * plane);
        const mean = meanOf(p, k), std = stdOf(p, k);
        for (let i = 0; i < height; i++) {
          const fi = <f32>i;
          const erasedRow = fi + 0.5 >= eraseTop && fi + 0.5 < eraseTop + eraseHeight;
          for (let j = 0; j < width; j++) {
            const jj = <f32>(flipped ? width - 1 - j : j);
            const x = ox + axx * jj + axy * fi;
            const y = oy + ayx * jj + ayy * fi;
            let value = (bilinear(source, height, width, x, y) / 255 - mean) / std;
            const xc = <f32>j + 0.5;
            if (erasedRow && xc >= eraseLeft && xc < eraseLeft + eraseWidth) value = 0;
            store<f32>(at(o, i * width + j), value);
          }
        }
      }
      continue;
    }
    const grayscale = drawColour(p, <u32>(stride * b + blocks));
    // pass 1, where contrast is among the adjustments: the mean gray level of the view before it
    let level: f32 = 0;
    if (hasContrast()) {
      let sum: f64 = 0;
      for (let i = 0; i < height; i++) {
        const fi = <f32>i;
        for (let j = 0; j < width; j++) {
          const jj = <f32>(flipped ? width - 1 - j : j);
          sampleColour(image, plane, height, width, ox + axx * jj + axy * fi, oy + ayx * jj + ayy * fi);
          adjust(0, CONTRAST);
          sum += <f64>gray();
        }
      }
      level = <f32>(sum / <f64>plane);
    }
    const o = at(out, 3 * b * plane);
    for (let i = 0; i < height; i++) {
      const fi = <f32>i;
      const erasedRow = fi + 0.5 >= eraseTop && fi + 0.5 < eraseTop + eraseHeight;
      for (let j = 0; j < width; j++) {
        const jj = <f32>(flipped ? width - 1 - j : j);
        sampleColour(image, plane, height, width, ox + axx * jj + axy * fi, oy + ayx * jj + ayy * fi);
        adjust(level, DONE);
        if (grayscale) red = green = blue = gray();
        const xc = <f32>j + 0.5;
        const erased = erasedRow && xc >= eraseLeft && xc < eraseLeft + eraseWidth;
        const at0 = i * width + j;
        store<f32>(at(o, at0), erased ? 0 : (red - p.mean0) / p.std0);
        store<f32>(at(o, plane + at0), erased ? 0 : (green - p.mean1) / p.std1);
        store<f32>(at(o, 2 * plane + at0), erased ? 0 : (blue - p.mean2) / p.std2);
      }
    }
  }
}
