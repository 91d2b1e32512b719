// Prelude of every shader module: workgroup size, 2-D grid indexing and N-d layouts.

// Threads per workgroup of the 1-D kernels; the dispatcher sets it per adapter.
override WG: u32 = 256u;

// Up to 8 axes, packed four to a vec4 so the array fits uniform-buffer layout rules.
alias Dims = array<vec4u, 2>;

fn dimAt(d: Dims, axis: u32) -> u32 {
  return d[axis / 4u][axis % 4u];
}

// Grids wider than 65535 workgroups wrap into y; this undoes the wrap.
fn flatWorkgroup(wid: vec3u, groups: vec3u) -> u32 {
  return wid.y * groups.x + wid.x;
}

fn flatThread(wid: vec3u, groups: vec3u, lid: u32) -> u32 {
  return flatWorkgroup(wid, groups) * WG + lid;
}

// Offset of flat index i of `shape` under `strides` (row-major walk).
fn stridedOffset(i: u32, rank: u32, shape: Dims, strides: Dims) -> u32 {
  var rest = i;
  var offset = 0u;
  for (var axis = i32(rank) - 1; axis >= 0; axis--) {
    let size = dimAt(shape, u32(axis));
    offset += (rest % size) * dimAt(strides, u32(axis));
    rest /= size;
  }
  return offset;
}

// Windowed ops (pooling, depthwise convolution), along one axis: the input row (or column) of
// tap k for output position o, which may lie in the padding …
fn inputCoordinate(o: u32, k: u32, stride: u32, pad: u32) -> i32 {
  return i32(o * stride + k) - i32(pad);
}

// … and the output positions whose windows cover input coordinate i: [first, last], maybe empty.
fn coveringRange(i: u32, kernel: u32, stride: u32, pad: u32, outSize: u32) -> vec2i {
  let shifted = i32(i + pad);
  let first = max(0, (shifted - i32(kernel) + i32(stride)) / i32(stride));
  let last = min(i32(outSize) - 1, shifted / i32(stride));
  return vec2i(first, last);
}

// Tree reduction across one workgroup; call from uniform control flow with WG a power of two.
var<workgroup> partialSums: array<f32, 256>;
var<workgroup> partialIndex: array<u32, 256>;
var<workgroup> reduced: f32;

// Thread 0 publishes the result through `reduced` behind a barrier outside the loop:
// llvmpipe lets threads past a barrier at the end of a loop before thread 0 has finished it.
fn broadcastResult(lid: u32) -> f32 {
  if (lid == 0u) { reduced = partialSums[0]; }
  workgroupBarrier();
  let result = reduced;
  workgroupBarrier();
  return result;
}

fn workgroupSum(value: f32, lid: u32) -> f32 {
  partialSums[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { partialSums[lid] += partialSums[lid + stride]; }
    workgroupBarrier();
  }
  return broadcastResult(lid);
}

fn workgroupMax(value: f32, lid: u32) -> f32 {
  partialSums[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { partialSums[lid] = max(partialSums[lid], partialSums[lid + stride]); }
    workgroupBarrier();
  }
  return broadcastResult(lid);
}

// Philox4x32-10 (src/engine/random.ts): the counter-based generator behind every random kernel.
// High 32 bits of a 32×32-bit product, from 16-bit halves.
fn mulHi(a: u32, b: u32) -> u32 {
  let aL = a & 0xffffu;
  let aH = a >> 16u;
  let bL = b & 0xffffu;
  let bH = b >> 16u;
  let mid = ((aL * bL) >> 16u) + ((aH * bL) & 0xffffu) + ((aL * bH) & 0xffffu);
  return aH * bH + ((aH * bL) >> 16u) + ((aL * bH) >> 16u) + (mid >> 16u);
}

fn philox(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let hi0 = mulHi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulHi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4u(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += vec2u(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}

fn toUniform(word: u32) -> f32 {
  return f32(word >> 8u) * 5.9604644775390625e-8; // 2^-24
}

// (cos 2πu, sin 2πu) to about 1e-7. The built-in cos and sin may be far coarser (Vulkan
// allows an absolute error of 2^-11, and SwiftShader uses it), which made weights
// initialised on one adapter differ from every other backend's by 1e-3.
fn turn(u: f32) -> vec2f {
  let quadrant = round(4.0 * u);
  let x = 6.283185307179586 * (u - 0.25 * quadrant); // exact reduction, |x| <= π/4
  let x2 = x * x;
  let c = 1.0 + x2 * (-0.5 + x2 * (4.1666666666666664e-2 +
      x2 * (-1.3888888888888889e-3 + x2 * (2.48015873015873e-5 + x2 * -2.7557319223985893e-7))));
  let s = x * (1.0 + x2 * (-0.16666666666666666 + x2 * (8.333333333333333e-3 +
      x2 * (-1.984126984126984e-4 + x2 * 2.7557319223985893e-6))));
  switch (u32(quadrant) & 3u) {
    case 1u: { return vec2f(-s, c); }
    case 2u: { return vec2f(-c, -s); }
    case 3u: { return vec2f(s, -c); }
    default: { return vec2f(c, s); }
  }
}
