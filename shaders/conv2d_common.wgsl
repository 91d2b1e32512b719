// What the three conv2d*.wgsl passes share: the geometry uniform and its derived sizes.
// Prepended to each pass by src/engine/backends/webgpu/ops/conv2d.ts (after gemm.wgsl's core).
// splits and kChunk only matter to the weight gradient's split K; the other passes pass 1, 0.

struct Conv2dParams {
  batch: u32, inChannels: u32, height: u32, width: u32,
  outChannels: u32, kernelH: u32, kernelW: u32, strideH: u32,
  strideW: u32, padH: u32, padW: u32, outHeight: u32,
  outWidth: u32, groups: u32, splits: u32, kChunk: u32,
}

@group(0) @binding(0) var<uniform> p: Conv2dParams;

fn inGroup() -> u32 { return p.inChannels / p.groups; }
fn outGroup() -> u32 { return p.outChannels / p.groups; }
fn window() -> u32 { return p.kernelH * p.kernelW; }
fn outPlane() -> u32 { return p.outHeight * p.outWidth; }
