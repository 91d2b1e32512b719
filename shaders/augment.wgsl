// One random augmentation per image (src/method/kernels.ts, AugmentParams): random resized crop
// sampled bilinearly, horizontal flip, and where asked a rotation, a shift and random
// erasing, then normalisation, for a whole batch in one dispatch. `augment` runs one thread
// per output value; each recomputes its image's Philox blocks, which costs less than a second
// pass to share them. `augmentColour` adds SimCLR's colour distortion, one workgroup per image:
// its contrast blends with the mean gray level of the whole view, a reduction.

struct AugmentParams {
  batch: u32, height: u32, width: u32, crop: u32,
  key: vec2u, counter: vec2u,
  scaleMin: f32, scaleMax: f32, logRatioMin: f32, logRatioMax: f32,
  flip: u32, blocks: u32, stride: u32, channels: u32,
  rotateTurns: f32, translate: f32, erase: f32, eraseScaleMin: f32,
  eraseScaleMax: f32, eraseLogRatioMin: f32, eraseLogRatioMax: f32, jitter: f32,
  brightness: f32, contrast: f32, saturation: f32, hue: f32,
  grayscale: f32,
  mean: vec4f, deviation: vec4f,
}

@group(0) @binding(0) var<uniform> p: AugmentParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Block k of image b.
fn block(b: u32, k: u32) -> vec4u {
  let offset = p.stride * b + k;
  let low = p.counter.x + offset;
  return philox(vec4u(low, p.counter.y + select(0u, 1u, low < offset), 0u, 0u), p.key);
}

fn pixel(image: u32, c: u32, y: i32, x: i32) -> f32 {
  let yy = u32(clamp(y, 0, i32(p.height) - 1));
  let xx = u32(clamp(x, 0, i32(p.width) - 1));
  let i = ((image * p.channels + c) * p.height + yy) * p.width + xx;
  return f32((pixels[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu);
}

// A word as two 16-bit uniforms in [0, 1), exact in f32.
fn halves(word: u32) -> vec2f {
  return vec2f(f32(word >> 16u), f32(word & 0xffffu)) * 1.52587890625e-5; // 2^-16
}

// Where output (i, j) of image b samples its picture: the crop, flip, rotation and shift.
fn sourcePoint(b: u32, i: u32, j: u32) -> vec2f {
  let w = f32(p.width);
  let h = f32(p.height);
  let u = block(b, 0u);
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
  let g = block(b, 1u);
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
  return vec2f(x - 0.5, y - 0.5);
}

// Channel c of image b's picture at a source point, bilinearly (edges clamped): 0–255.
fn bilinear(b: u32, c: u32, at: vec2f) -> f32 {
  let xf = floor(at.x);
  let yf = floor(at.y);
  let fx = at.x - xf;
  let fy = at.y - yf;
  let image = u32(index[b]);
  let xi = i32(xf);
  let yi = i32(yf);
  let top = mix(pixel(image, c, yi, xi), pixel(image, c, yi, xi + 1), fx);
  let bottom = mix(pixel(image, c, yi + 1, xi), pixel(image, c, yi + 1, xi + 1), fx);
  return mix(top, bottom, fy);
}

// Whether output (i, j) of image b falls in its erased box.
fn erased(b: u32, i: u32, j: u32) -> bool {
  if (p.blocks != 3u) { return false; }
  let w = f32(p.width);
  let h = f32(p.height);
  let e = block(b, 2u);
  if (toUniform(e.x) >= p.erase) { return false; }
  let area = h * w * (p.eraseScaleMin + (p.eraseScaleMax - p.eraseScaleMin) * toUniform(e.y));
  let ratio = exp(p.eraseLogRatioMin + (p.eraseLogRatioMax - p.eraseLogRatioMin) * toUniform(e.z));
  let eh = min(h, sqrt(area * ratio));
  let ew = min(w, sqrt(area / ratio));
  let corner = vec2f(h - eh, w - ew) * halves(e.w);
  let yc = f32(i) + 0.5;
  let xc = f32(j) + 0.5;
  return yc >= corner.x && yc < corner.x + eh && xc >= corner.y && xc < corner.y + ew;
}

@compute @workgroup_size(WG)
fn augment(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = flatThread(wid, groups, lid);
  let plane = p.height * p.width;
  if (t >= p.batch * p.channels * plane) { return; }
  let b = t / (p.channels * plane);
  let c = (t / plane) % p.channels;
  let i = (t % plane) / p.width;
  let j = t % p.width;
  var value = (bilinear(b, c, sourcePoint(b, i, j)) / 255.0 - p.mean[c]) / p.deviation[c];
  if (erased(b, i, j)) { value = 0.0; }
  out[t] = value;
}

// The colour distortion: which adjustments in which order (4 bits each, 0xf past the last),
// their factors (brightness, contrast, saturation, hue shift), grayscale or not.
struct Colour {
  order: u32,
  factors: vec4f,
  grayscale: bool,
}

const CONTRAST = 1u;
const DONE = 0xfu;

fn colourOf(b: u32) -> Colour {
  let c = block(b, p.blocks);
  let d = block(b, p.blocks + 1u);
  let low = max(vec3f(0.0), vec3f(1.0) - vec3f(p.brightness, p.contrast, p.saturation));
  let high = vec3f(1.0) + vec3f(p.brightness, p.contrast, p.saturation);
  let f = low + (high - low) * vec3f(toUniform(c.y), toUniform(c.z), toUniform(c.w));
  var order = 0xffffu;
  if (toUniform(c.x) < p.jitter) {
    // the Lehmer code k of a permutation of brightness, contrast, saturation, hue (0…3)
    var left = 0x3210u;
    var k = ((d.y >> 8u) * 24u) >> 24u; // ⌊24·toUniform(d.y)⌋, exactly
    order = 0u;
    for (var n = 4u; n > 0u; n--) {
      let at = 4u * (k % n);
      order |= ((left >> at) & 0xfu) << (4u * (4u - n));
      left = (left & ((1u << at) - 1u)) | ((left >> (at + 4u)) << at);
      k /= n;
    }
  }
  return Colour(order, vec4f(f, p.hue * (2.0 * toUniform(d.x) - 1.0)), toUniform(d.z) < p.grayscale);
}

fn gray(x: vec3f) -> f32 {
  return 0.2989 * x.r + 0.587 * x.g + 0.114 * x.b;
}

// torchvision's adjust_hue on one pixel: to HSV, the hue shifted (mod 1), back.
fn shiftHue(x: vec3f, shift: f32) -> vec3f {
  let top = max(x.r, max(x.g, x.b));
  let bottom = min(x.r, min(x.g, x.b));
  let chroma = top - bottom;
  let s = chroma / select(top, 1.0, top == bottom);
  let distance = (vec3f(top) - x) / select(chroma, 1.0, top == bottom);
  var sixths = 4.0 + distance.g - distance.r;
  if (top == x.r) {
    sixths = distance.b - distance.g;
  } else if (top == x.g) {
    sixths = 2.0 + distance.r - distance.b;
  }
  var hue = (sixths / 6.0 + 1.0) % 1.0 + shift;
  hue -= floor(hue);
  let sector = floor(hue * 6.0);
  let f = hue * 6.0 - sector;
  let v = top;
  let lowest = clamp(v * (1.0 - s), 0.0, 1.0);
  let falling = clamp(v * (1.0 - s * f), 0.0, 1.0);
  let rising = clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0);
  switch (u32(sector) % 6u) {
    case 1u: { return vec3f(falling, v, lowest); }
    case 2u: { return vec3f(lowest, v, rising); }
    case 3u: { return vec3f(lowest, falling, v); }
    case 4u: { return vec3f(rising, lowest, v); }
    case 5u: { return vec3f(v, lowest, falling); }
    default: { return vec3f(v, rising, lowest); }
  }
}

// The adjustments in the colour's order up to (not including) adjustment `until`; `level` is
// the contrast's mean gray.
fn adjust(rgb: vec3f, colour: Colour, level: f32, until: u32) -> vec3f {
  var x = rgb;
  for (var k = 0u; k < 4u; k++) {
    let op = (colour.order >> (4u * k)) & 0xfu;
    if (op == DONE || op == until) { break; }
    let f = colour.factors[op];
    switch (op) {
      case 0u: { x = clamp(f * x, vec3f(0.0), vec3f(1.0)); }
      case 1u: { x = clamp(f * x + (1.0 - f) * level, vec3f(0.0), vec3f(1.0)); }
      case 2u: { x = clamp(f * x + (1.0 - f) * gray(x), vec3f(0.0), vec3f(1.0)); }
      default: { x = shiftHue(x, f); }
    }
  }
  return x;
}

fn view(b: u32, i: u32, j: u32) -> vec3f {
  let at = sourcePoint(b, i, j);
  return vec3f(bilinear(b, 0u, at), bilinear(b, 1u, at), bilinear(b, 2u, at)) / 255.0;
}

fn hasContrast(order: u32) -> bool {
  for (var k = 0u; k < 4u; k++) {
    if (((order >> (4u * k)) & 0xfu) == CONTRAST) { return true; }
  }
  return false;
}

@compute @workgroup_size(WG)
fn augmentColour(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = flatWorkgroup(wid, groups);
  if (b >= p.batch) { return; }
  let colour = colourOf(b);
  let plane = p.height * p.width;
  var sum = 0.0;
  if (hasContrast(colour.order)) {
    for (var k = lid; k < plane; k += WG) {
      sum += gray(adjust(view(b, k / p.width, k % p.width), colour, 0.0, CONTRAST));
    }
  }
  let level = workgroupSum(sum, lid) / f32(plane);
  for (var k = lid; k < plane; k += WG) {
    let i = k / p.width;
    let j = k % p.width;
    var x = adjust(view(b, i, j), colour, level, DONE);
    if (colour.grayscale) { x = vec3f(gray(x)); }
    let value = select((x - p.mean.rgb) / p.deviation.rgb, vec3f(0.0), erased(b, i, j));
    for (var c = 0u; c < 3u; c++) { out[(3u * b + c) * plane + k] = value[c]; }
  }
}
