// One random augmentation per image (the twin of shaders/augment.wgsl; AugmentParams in
// src/backend.ts): random resized crop sampled bilinearly, horizontal flip, normalisation.
import { at, philox, uniformOf, word0, word1, word2, word3 } from './common';

@inline function pixel(image: usize, height: i32, width: i32, y: i32, x: i32): f32 {
  const yy = min(max(y, 0), height - 1);
  const xx = min(max(x, 0), width - 1);
  return <f32>load<u8>(image + <usize>(yy * width + xx));
}

export function augment(
  pixels: usize, index: usize, out: usize, batch: i32, height: i32, width: i32, crop: bool,
  key0: u32, key1: u32, counterLow: u32, counterHigh: u32,
  scaleMin: f32, scaleMax: f32, logRatioMin: f32, logRatioMax: f32, flip: bool, mean: f32, std: f32,
): void {
  const w = <f32>width, h = <f32>height;
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    philox(counterLow, counterHigh, <u32>(2 * b), key0, key1);
    let cw = w, ch = h, x0: f32 = 0, y0: f32 = 0;
    if (crop) {
      const area = h * w * (scaleMin + (scaleMax - scaleMin) * uniformOf(word0));
      const ratio = Mathf.exp(logRatioMin + (logRatioMax - logRatioMin) * uniformOf(word1));
      cw = Mathf.min(w, Mathf.sqrt(area * ratio));
      ch = Mathf.min(h, Mathf.sqrt(area / ratio));
      x0 = (w - cw) * uniformOf(word2);
      y0 = (h - ch) * uniformOf(word3);
    }
    philox(counterLow, counterHigh, <u32>(2 * b + 1), key0, key1);
    const flipped = flip && uniformOf(word0) < 0.5;
    const image = pixels + <usize>(load<i32>(at(index, b)) * plane);
    const o = at(out, b * plane);
    for (let i = 0; i < height; i++) {
      const y = y0 + (<f32>i + 0.5) * ch / h - 0.5;
      const yf = Mathf.floor(y);
      const fy = y - yf;
      const yi = <i32>yf;
      for (let j = 0; j < width; j++) {
        const jj = flipped ? width - 1 - j : j;
        const x = x0 + (<f32>jj + 0.5) * cw / w - 0.5;
        const xf = Mathf.floor(x);
        const fx = x - xf;
        const xi = <i32>xf;
        const p00 = pixel(image, height, width, yi, xi), p01 = pixel(image, height, width, yi, xi + 1);
        const p10 = pixel(image, height, width, yi + 1, xi), p11 = pixel(image, height, width, yi + 1, xi + 1);
        const top = p00 + (p01 - p00) * fx;
        const bottom = p10 + (p11 - p10) * fx;
        store<f32>(at(o, i * width + j), ((top + (bottom - top) * fy) / 255 - mean) / std);
      }
    }
  }
}
