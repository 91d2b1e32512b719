// Convolution as implicit GEMM on the core of gemm.wgsl: the readers do the im2col
// indexing, so no patch matrix is ever stored. Problem z is a group (and a K split for PASS 2).
//   PASS 0, forward:            y  [Cout/g × N·OH·OW] = w [Cout/g × Cin/g·KH·KW] · im2col(x)
//   PASS 1, gradient of input:  gx [Cin/g × N·H·W]    = wᵀ · (gy read back through the window)
//   PASS 2, gradient of weight: gw [Cout/g × Cin/g·KH·KW] = gy · im2col(x)ᵀ, K split into `splits`
//           partial sums written to out[split] and added up afterwards.

struct Conv2dParams {
  batch: u32, inChannels: u32, height: u32, width: u32,
  outChannels: u32, kernelH: u32, kernelW: u32, strideH: u32,
  strideW: u32, padH: u32, padW: u32, outHeight: u32,
  outWidth: u32, groups: u32, splits: u32, kChunk: u32,
}

override PASS: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Conv2dParams;
@group(0) @binding(1) var<storage, read> in0: array<f32>; // x (PASS 0, 2) or gy (PASS 1)
@group(0) @binding(2) var<storage, read> in1: array<f32>; // w (PASS 0, 1) or gy (PASS 2)
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // y, gx or gw partials

fn inGroup() -> u32 { return p.inChannels / p.groups; }
fn outGroup() -> u32 { return p.outChannels / p.groups; }
fn window() -> u32 { return p.kernelH * p.kernelW; }
fn outPlane() -> u32 { return p.outHeight * p.outWidth; }
fn inPlane() -> u32 { return p.height * p.width; }
fn group(z: u32) -> u32 { return select(z, z / p.splits, PASS == 2u); }

fn gemmDims(z: u32) -> vec4u {
  if (PASS == 0u) { return vec4u(outGroup(), p.batch * outPlane(), 0u, inGroup() * window()); }
  if (PASS == 1u) { return vec4u(inGroup(), p.batch * inPlane(), 0u, outGroup() * window()); }
  let begin = (z % p.splits) * p.kChunk;
  return vec4u(outGroup(), inGroup() * window(), begin, min(begin + p.kChunk, p.batch * outPlane()));
}

// x at (image n, channel c of group g, kernel tap t of output position q), 0 in the padding.
fn readPatch(n: u32, g: u32, c: u32, t: u32, q: u32) -> f32 {
  let ih = i32((q / p.outWidth) * p.strideH + t / p.kernelW) - i32(p.padH);
  let iw = i32((q % p.outWidth) * p.strideW + t % p.kernelW) - i32(p.padW);
  if (ih < 0 || iw < 0 || ih >= i32(p.height) || iw >= i32(p.width)) { return 0.0; }
  return in0[((n * p.inChannels + g * inGroup() + c) * p.height + u32(ih)) * p.width + u32(iw)];
}

fn gemmReadA(z: u32, row: u32, k: u32) -> f32 {
  let g = group(z);
  if (PASS == 0u) { return in1[(g * outGroup() + row) * inGroup() * window() + k]; }
  if (PASS == 1u) {
    // row = input channel c, k = (output channel o, tap t): w[g·Cout/g + o, c, t]
    return in1[((g * outGroup() + k / window()) * inGroup() + row) * window() + k % window()];
  }
  // row = output channel, k = (image, output position)
  return in1[((k / outPlane()) * p.outChannels + g * outGroup() + row) * outPlane() + k % outPlane()];
}

fn gemmReadB(z: u32, k: u32, col: u32) -> f32 {
  let g = group(z);
  if (PASS == 0u) { return readPatch(col / outPlane(), g, k / window(), k % window(), col % outPlane()); }
  if (PASS == 1u) {
    // k = (output channel o, tap t), col = (image n, input position): the output position
    // whose window puts tap t on this input position, if the stride lands on one.
    let t = k % window();
    let n = col / inPlane();
    let th = i32((col % inPlane()) / p.width) + i32(p.padH) - i32(t / p.kernelW);
    let tw = i32(col % p.width) + i32(p.padW) - i32(t % p.kernelW);
    if (th < 0 || tw < 0) { return 0.0; }
    let oh = u32(th) / p.strideH;
    let ow = u32(tw) / p.strideW;
    if (u32(th) % p.strideH != 0u || u32(tw) % p.strideW != 0u || oh >= p.outHeight || ow >= p.outWidth) { return 0.0; }
    return in0[((n * p.outChannels + g * outGroup() + k / window()) * p.outHeight + oh) * p.outWidth + ow];
  }
  // k = (image, output position), col = (input channel, tap)
  return readPatch(k / outPlane(), g, col / window(), col % window(), k % outPlane());
}

fn gemmWrite(z: u32, row: u32, col: u32, value: f32) {
  let g = group(z);
  if (PASS == 0u) {
    out[((col / outPlane()) * p.outChannels + g * outGroup() + row) * outPlane() + col % outPlane()] = value;
  } else if (PASS == 1u) {
    out[((col / inPlane()) * p.inChannels + g * inGroup() + row) * inPlane() + col % inPlane()] = value;
  } else {
    let split = z % p.splits;
    out[(split * p.outChannels + g * outGroup() + row) * inGroup() * window() + col] = value;
  }
}
