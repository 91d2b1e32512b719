// Depthwise convolution over NCHW (groups = inChannels = outChannels, weights [C, 1, KH, KW])
// and its gradients. Forward: a thread per output. Input gradient: a thread per input element
// that gathers from the outputs whose windows cover it, so no atomics. Weight gradient: a
// workgroup per weight, reducing over every image and output position.

struct DepthwiseParams {
  size: u32, batch: u32, channels: u32, height: u32,
  width: u32, kernelH: u32, kernelW: u32, strideH: u32,
  strideW: u32, padH: u32, padW: u32, outHeight: u32,
  outWidth: u32,
}

@group(0) @binding(0) var<uniform> p: DepthwiseParams;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

@group(0) @binding(2) var<storage, read> gyWeight: array<f32>;
@group(0) @binding(3) var<storage, read_write> gw: array<f32>;

fn weightAt(c: u32, kh: u32, kw: u32) -> f32 {
  return w[(c * p.kernelH + kh) * p.kernelW + kw];
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.outHeight * p.outWidth);
  let c = plane % p.channels;
  let oh = (i / p.outWidth) % p.outHeight;
  let ow = i % p.outWidth;
  var acc = 0.0;
  for (var kh = 0u; kh < p.kernelH; kh++) {
    let ih = inputCoordinate(oh, kh, p.strideH, p.padH);
    if (ih < 0 || ih >= i32(p.height)) { continue; }
    for (var kw = 0u; kw < p.kernelW; kw++) {
      let iw = inputCoordinate(ow, kw, p.strideW, p.padW);
      if (iw < 0 || iw >= i32(p.width)) { continue; }
      acc += x[(plane * p.height + u32(ih)) * p.width + u32(iw)] * weightAt(c, kh, kw);
    }
  }
  y[i] = acc;
}

@compute @workgroup_size(WG)
fn backwardInput(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.height * p.width);
  let c = plane % p.channels;
  let ih = (i / p.width) % p.height;
  let iw = i % p.width;
  let rows = coveringRange(ih, p.kernelH, p.strideH, p.padH, p.outHeight);
  let cols = coveringRange(iw, p.kernelW, p.strideW, p.padW, p.outWidth);
  var acc = 0.0;
  for (var oh = rows.x; oh <= rows.y; oh++) {
    let kh = ih + p.padH - u32(oh) * p.strideH;
    for (var ow = cols.x; ow <= cols.y; ow++) {
      let kw = iw + p.padW - u32(ow) * p.strideW;
      acc += gy[(plane * p.outHeight + u32(oh)) * p.outWidth + u32(ow)] * weightAt(c, kh, kw);
    }
  }
  gx[i] = acc;
}

// A workgroup per weight (c, kh, kw): its threads stride over the images' output positions.
@compute @workgroup_size(WG)
fn backwardWeight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let weight = flatWorkgroup(wid, groups);
  if (weight >= p.size) { return; } // the grid's wrap into y may add workgroups past the last
  let taps = p.kernelH * p.kernelW;
  let c = weight / taps;
  let kh = (weight % taps) / p.kernelW;
  let kw = weight % p.kernelW;
  let outPlane = p.outHeight * p.outWidth;
  var acc = 0.0;
  for (var e = lid; e < p.batch * outPlane; e += WG) {
    let plane = (e / outPlane) * p.channels + c;
    let ih = inputCoordinate((e / p.outWidth) % p.outHeight, kh, p.strideH, p.padH);
    let iw = inputCoordinate(e % p.outWidth, kw, p.strideW, p.padW);
    if (ih >= 0 && ih < i32(p.height) && iw >= 0 && iw < i32(p.width)) {
      acc += gyWeight[plane * outPlane + e % outPlane] * x[(plane * p.height + u32(ih)) * p.width + u32(iw)];
    }
  }
  let total = workgroupSum(acc, lid);
  if (lid == 0u) { gw[weight] = total; }
}
