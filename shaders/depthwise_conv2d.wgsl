// Depthwise convolution over NCHW (groups = inChannels = outChannels, weights [C, 1, KH, KW])
// and its gradients. Forward: a thread per output. Input gradient: a thread per input element
// that gathers from the outputs whose windows hold it, so no atomics. Weight gradient: a
// workgroup per weight, reducing over every image and output position. The kernel size and
// the stride are pipeline constants: the tap loops unroll and the divisions by the stride
// become shifts (a network has few distinct ones; MobileNetV2 two).

override KERNEL_H: u32 = 3u;
override KERNEL_W: u32 = 3u;
override STRIDE_H: u32 = 1u;
override STRIDE_W: u32 = 1u;

struct DepthwiseParams {
  size: u32, batch: u32, channels: u32, height: u32,
  width: u32, padH: u32, padW: u32, outHeight: u32,
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
  return w[(c * KERNEL_H + kh) * KERNEL_W + kw];
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
  for (var kh = 0u; kh < KERNEL_H; kh++) {
    let ih = inputCoordinate(oh, kh, STRIDE_H, p.padH);
    if (ih < 0 || ih >= i32(p.height)) { continue; }
    for (var kw = 0u; kw < KERNEL_W; kw++) {
      let iw = inputCoordinate(ow, kw, STRIDE_W, p.padW);
      if (iw < 0 || iw >= i32(p.width)) { continue; }
      acc += x[(plane * p.height + u32(ih)) * p.width + u32(iw)] * weightAt(c, kh, kw);
    }
  }
  y[i] = acc;
}

// The output coordinate whose window holds input coordinate i at tap k, or -1 for none.
fn outputCoordinate(i: u32, k: u32, stride: u32, pad: u32, outSize: u32) -> i32 {
  let shifted = i + pad;
  if (shifted < k || (shifted - k) % stride != 0u || (shifted - k) / stride >= outSize) { return -1; }
  return i32((shifted - k) / stride);
}

@compute @workgroup_size(WG)
fn backwardInput(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let plane = i / (p.height * p.width);
  let c = plane % p.channels;
  let ih = (i / p.width) % p.height;
  let iw = i % p.width;
  var acc = 0.0;
  for (var kh = 0u; kh < KERNEL_H; kh++) {
    let oh = outputCoordinate(ih, kh, STRIDE_H, p.padH, p.outHeight);
    if (oh < 0) { continue; }
    for (var kw = 0u; kw < KERNEL_W; kw++) {
      let ow = outputCoordinate(iw, kw, STRIDE_W, p.padW, p.outWidth);
      if (ow < 0) { continue; }
      acc += gy[(plane * p.outHeight + u32(oh)) * p.outWidth + u32(ow)] * weightAt(c, kh, kw);
    }
  }
  gx[i] = acc;
}

// A workgroup per weight (c, kh, kw): its threads take the images' output rows in turn, so
// that the divisions that locate a row are paid once per row, not once per term.
@compute @workgroup_size(WG)
fn backwardWeight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let weight = flatWorkgroup(wid, groups);
  if (weight >= p.size) { return; } // the grid's wrap into y may add workgroups past the last
  let c = weight / (KERNEL_H * KERNEL_W);
  let kh = (weight / KERNEL_W) % KERNEL_H;
  let kw = weight % KERNEL_W;
  var acc = 0.0;
  for (var row = lid; row < p.batch * p.outHeight; row += WG) {
    let plane = (row / p.outHeight) * p.channels + c;
    let oh = row % p.outHeight;
    let ih = inputCoordinate(oh, kh, STRIDE_H, p.padH);
    if (ih < 0 || ih >= i32(p.height)) { continue; }
    let gyRow = (plane * p.outHeight + oh) * p.outWidth;
    let xRow = (plane * p.height + u32(ih)) * p.width;
    for (var ow = 0u; ow < p.outWidth; ow++) {
      let iw = inputCoordinate(ow, kw, STRIDE_W, p.padW);
      if (iw >= 0 && iw < i32(p.width)) { acc += gyWeight[gyRow + ow] * x[xRow + u32(iw)]; }
    }
  }
  let total = workgroupSum(acc, lid);
  if (lid == 0u) { gw[weight] = total; }
}
