// One random augmentation per image (the twin of shaders/augment.wgsl; AugmentParams in
// src/engine/backend.ts): random resized crop sampled bilinearly, horizontal flip, and where asked
// a rotation, a shift and random erasing, then normalisation.
import { at, philox, uniformOf, word0, word1, word2, word3 } from './common';
import { AugmentParams } from './generated';

@inline function pixel(image: usize, height: i32, width: i32, y: i32, x: i32): f32 {
  const yy = min(max(y, 0), height - 1);
  const xx = min(max(x, 0), width - 1);
  return <f32>load<u8>(image + <usize>(yy * width + xx));
}

const TWO_POW_MINUS_16: f32 = 1.52587890625e-5;

export function augment(p: AugmentParams): void {
  const pixels = p.pixels, index = p.index, out = p.out, batch = p.batch, height = p.height, width = p.width, crop = p.crop;
  const key0 = p.key0, key1 = p.key1, counterLow = p.counterLow, counterHigh = p.counterHigh;
  const scaleMin = p.scaleMin, scaleMax = p.scaleMax, logRatioMin = p.logRatioMin, logRatioMax = p.logRatioMax;
  const flip = p.flip, mean = p.mean, std = p.std, blocks = p.blocks, rotateTurns = p.rotateTurns, translate = p.translate, erase = p.erase;
  const eraseScaleMin = p.eraseScaleMin, eraseScaleMax = p.eraseScaleMax, eraseLogRatioMin = p.eraseLogRatioMin;
  const eraseLogRatioMax = p.eraseLogRatioMax;
  const w = <f32>width, h = <f32>height;
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    philox(counterLow, counterHigh, <u32>(blocks * b), key0, key1);
    let cw = w, ch = h, x0: f32 = 0, y0: f32 = 0;
    if (crop) {
      const area = h * w * (scaleMin + (scaleMax - scaleMin) * uniformOf(word0));
      const ratio = Mathf.exp(logRatioMin + (logRatioMax - logRatioMin) * uniformOf(word1));
      cw = Mathf.min(w, Mathf.sqrt(area * ratio));
      ch = Mathf.min(h, Mathf.sqrt(area / ratio));
      x0 = (w - cw) * uniformOf(word2);
      y0 = (h - ch) * uniformOf(word3);
    }
    philox(counterLow, counterHigh, <u32>(blocks * b + 1), key0, key1);
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
      philox(counterLow, counterHigh, <u32>(3 * b + 2), key0, key1);
      if (uniformOf(word0) < erase) {
        const area = h * w * (eraseScaleMin + (eraseScaleMax - eraseScaleMin) * uniformOf(word1));
        const ratio = Mathf.exp(eraseLogRatioMin + (eraseLogRatioMax - eraseLogRatioMin) * uniformOf(word2));
        eraseHeight = Mathf.min(h, Mathf.sqrt(area * ratio));
        eraseWidth = Mathf.min(w, Mathf.sqrt(area / ratio));
        eraseTop = (h - eraseHeight) * <f32>(word3 >> 16) * TWO_POW_MINUS_16;
        eraseLeft = (w - eraseWidth) * <f32>(word3 & 0xffff) * TWO_POW_MINUS_16;
      }
    }
    const image = pixels + <usize>(load<i32>(at(index, b)) * plane);
    const o = at(out, b * plane);
    for (let i = 0; i < height; i++) {
      const fi = <f32>i;
      const erasedRow = fi + 0.5 >= eraseTop && fi + 0.5 < eraseTop + eraseHeight;
      for (let j = 0; j < width; j++) {
        const jj = <f32>(flipped ? width - 1 - j : j);
        const x = ox + axx * jj + axy * fi;
        const y = oy + ayx * jj + ayy * fi;
        const xf = Mathf.floor(x), yf = Mathf.floor(y);
        const fx = x - xf, fy = y - yf;
        const xi = <i32>xf, yi = <i32>yf;
        const p00 = pixel(image, height, width, yi, xi), p01 = pixel(image, height, width, yi, xi + 1);
        const p10 = pixel(image, height, width, yi + 1, xi), p11 = pixel(image, height, width, yi + 1, xi + 1);
        const top = p00 + (p01 - p00) * fx;
        const bottom = p10 + (p11 - p10) * fx;
        let value = ((top + (bottom - top) * fy) / 255 - mean) / std;
        const xc = <f32>j + 0.5;
        if (erasedRow && xc >= eraseLeft && xc < eraseLeft + eraseWidth) value = 0;
        store<f32>(at(o, i * width + j), value);
      }
    }
  }
}
