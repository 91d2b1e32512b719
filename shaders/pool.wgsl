// 2-D pooling over NCHW. Forward: a thread per output. Backward: a thread per input element
// that gathers from the windows covering it, so overlapping windows need no atomics.

struct Pool2dParams {
  size: u32, height: u32, width: u32, kernelH: u32,
  kernelW: u32, strideH: u32, strideW: u32, padH: u32,
  padW: u32, outHeight: u32, outWidth: u32,
}

@group(0) @binding(0) var<uniform> p: Pool2dParams;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<i32>;

@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read> argmaxIn: array<i32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;
@group(0) @binding(2) var<storage, read_write> gxAvg: array<f32>;

@compute @workgroup_size(WG)
fn maxPool(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.outHeight * p.outWidth);
  let oh = (i / p.outWidth) % p.outHeight;
  let ow = i % p.outWidth;
  var best = -3.4028234663852886e38;
  var bestIndex = 0;
  for (var kh = 0u; kh < p.kernelH; kh++) {
    let ih = inputCoordinate(oh, kh, p.strideH, p.padH);
    if (ih < 0 || ih >= i32(p.height)) { continue; }
    for (var kw = 0u; kw < p.kernelW; kw++) {
      let iw = inputCoordinate(ow, kw, p.strideW, p.padW);
      if (iw < 0 || iw >= i32(p.width)) { continue; }
      let v = x[plane * p.height * p.width + u32(ih) * p.width + u32(iw)];
      if (v > best) { best = v; bestIndex = ih * i32(p.width) + iw; }
    }
  }
  y[i] = best;
  argmax[i] = bestIndex;
}

@compute @workgroup_size(WG)
fn maxPoolBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.height * p.width);
  let ih = (i / p.width) % p.height;
  let iw = i % p.width;
  let rows = coveringRange(ih, p.kernelH, p.strideH, p.padH, p.outHeight);
  let cols = coveringRange(iw, p.kernelW, p.strideW, p.padW, p.outWidth);
  let here = i32(ih * p.width + iw);
  var acc = 0.0;
  for (var oh = rows.x; oh <= rows.y; oh++) {
    for (var ow = cols.x; ow <= cols.y; ow++) {
      let o = (plane * p.outHeight + u32(oh)) * p.outWidth + u32(ow);
      if (argmaxIn[o] == here) { acc += gy[o]; }
    }
  }
  gx[i] = acc;
}

@compute @workgroup_size(WG)
fn avgPool(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.outHeight * p.outWidth);
  let oh = (i / p.outWidth) % p.outHeight;
  let ow = i % p.outWidth;
  var acc = 0.0;
  for (var kh = 0u; kh < p.kernelH; kh++) {
    let ih = inputCoordinate(oh, kh, p.strideH, p.padH);
    if (ih < 0 || ih >= i32(p.height)) { continue; }
    for (var kw = 0u; kw < p.kernelW; kw++) {
      let iw = inputCoordinate(ow, kw, p.strideW, p.padW);
      if (iw < 0 || iw >= i32(p.width)) { continue; }
      acc += x[plane * p.height * p.width + u32(ih) * p.width + u32(iw)];
    }
  }
  y[i] = acc / f32(p.kernelH * p.kernelW);
}

@compute @workgroup_size(WG)
fn avgPoolBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.height * p.width);
  let rows = coveringRange((i / p.width) % p.height, p.kernelH, p.strideH, p.padH, p.outHeight);
  let cols = coveringRange(i % p.width, p.kernelW, p.strideW, p.padW, p.outWidth);
  var acc = 0.0;
  for (var oh = rows.x; oh <= rows.y; oh++) {
    for (var ow = cols.x; ow <= cols.y; ow++) {
      acc += gy[(plane * p.outHeight + u32(oh)) * p.outWidth + u32(ow)];
    }
  }
  gxAvg[i] = acc / f32(p.kernelH * p.kernelW);
}
