// One random augmentation per image (src/engine/backend.ts, AugmentParams): random resized crop
// sampled bilinearly, horizontal flip, and where asked a rotation, a shift and random
// erasing, then normalisation, for a whole batch in one dispatch. One thread per output
// pixel; each recomputes its image's Philox blocks, which costs less than a second pass to
// share them.

struct AugmentParams {
  batch: u32, height: u32, width: u32, crop: u32,
  key: vec2u, counter: vec2u,
  scaleMin: f32, scaleMax: f32, logRatioMin: f32, logRatioMax: f32,
  flip: u32, mean: f32, deviation: f32, blocks: u32,
  rotateTurns: f32, translate: f32, erase: f32, eraseScaleMin: f32,
  eraseScaleMax: f32, eraseLogRatioMin: f32, eraseLogRatioMax: f32,
}

@group(0) @binding(0) var<uniform> p: AugmentParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn block(b: u32) -> vec4u {
  let low = p.counter.x + b;
  return philox(vec4u(low, p.counter.y + select(0u, 1u, low < b), 0u, 0u), p.key);
}

fn pixel(image: u32, y: i32, x: i32) -> f32 {
  let yy = u32(clamp(y, 0, i32(p.height) - 1));
  let xx = u32(clamp(x, 0, i32(p.width) - 1));
  let i = (image * p.height + yy) * p.width + xx;
  return f32((pixels[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu);
}

// A word as two 16-bit uniforms in [0, 1), exact in f32.
fn halves(word: u32) -> vec2f {
  return vec2f(f32(word >> 16u), f32(word & 0xffffu)) * 1.52587890625e-5; // 2^-16
}

@compute @workgroup_size(WG)
fn augment(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = flatThread(wid, groups, lid);
  let plane = p.height * p.width;
  if (t >= p.batch * plane) { return; }
  let b = t / plane;
  let i = (t % plane) / p.width;
  let j = t % p.width;
  let w = f32(p.width);
  let h = f32(p.height);
  let u = block(p.blocks * b);
  var cw = w;
  var ch = h;
  var x0 = 0.0;
  var y0 = 0.0;
  if (p.crop == 1u) {
    let area = h * w * (p.scaleMin + (p.scaleMax - p.scaleMin) * toUniform(u.x));
    let ratio = exp(p.logRatioMin + (p.logRatioMax - p.logRatioMin) * toUniform(u.y));
    cw = min(w, sqrt(area * ratio));
    ch = min(h, sqrt(area / ratio));
    x0 = (w - cw) * toUniform(u.z);
    y0 = (h - ch) * toUniform(u.w);
  }
  let g = block(p.blocks * b + 1u);
  var jj = j;
  if (p.flip == 1u && toUniform(g.x) < 0.5) { jj = p.width - 1u - j; }
  var x = x0 + (f32(jj) + 0.5) * cw / w;
  var y = y0 + (f32(i) + 0.5) * ch / h;
  if (p.blocks == 3u) {
    // rotate about the window's centre, then shift
    let cx = x0 + 0.5 * cw;
    let cy = y0 + 0.5 * ch;
    let r = turn(fract(p.rotateTurns * (2.0 * toUniform(g.y) - 1.0)));
    let dx = x - cx;
    let dy = y - cy;
    x = cx + r.x * dx - r.y * dy + p.translate * w * (2.0 * toUniform(g.z) - 1.0);
    y = cy + r.y * dx + r.x * dy + p.translate * h * (2.0 * toUniform(g.w) - 1.0);
  }
  x -= 0.5;
  y -= 0.5;
  let xf = floor(x);
  let yf = floor(y);
  let fx = x - xf;
  let fy = y - yf;
  let image = u32(index[b]);
  let xi = i32(xf);
  let yi = i32(yf);
  let top = mix(pixel(image, yi, xi), pixel(image, yi, xi + 1), fx);
  let bottom = mix(pixel(image, yi + 1, xi), pixel(image, yi + 1, xi + 1), fx);
  var value = (mix(top, bottom, fy) / 255.0 - p.mean) / p.deviation;
  if (p.blocks == 3u) {
    let e = block(3u * b + 2u);
    if (toUniform(e.x) < p.erase) {
      let area = h * w * (p.eraseScaleMin + (p.eraseScaleMax - p.eraseScaleMin) * toUniform(e.y));
      let ratio = exp(p.eraseLogRatioMin + (p.eraseLogRatioMax - p.eraseLogRatioMin) * toUniform(e.z));
      let eh = min(h, sqrt(area * ratio));
      let ew = min(w, sqrt(area / ratio));
      let corner = vec2f(h - eh, w - ew) * halves(e.w);
      let yc = f32(i) + 0.5;
      let xc = f32(j) + 0.5;
      if (yc >= corner.x && yc < corner.x + eh && xc >= corner.y && xc < corner.y + ew) { value = 0.0; }
    }
  }
  out[t] = value;
}
