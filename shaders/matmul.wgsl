// Batched matmul C[z] = op(A[z])·op(B[z]) (+ bias), on the GEMM core of gemm.wgsl.

struct MatmulParams { m: u32, n: u32, k: u32, aBatchStride: u32, bBatchStride: u32 }

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>; // a placeholder when !HAS_BIAS

fn gemmDims(z: u32) -> vec4u {
  return vec4u(p.m, p.n, 0u, p.k);
}

fn gemmReadA(z: u32, row: u32, k: u32) -> f32 {
  let base = z * p.aBatchStride;
  if (TRANS_A) { return a[base + k * p.m + row]; }
  return a[base + row * p.k + k];
}

fn gemmReadB(z: u32, k: u32, col: u32) -> f32 {
  let base = z * p.bBatchStride;
  if (TRANS_B) { return b[base + col * p.k + k]; }
  return b[base + k * p.n + col];
}

fn gemmWrite(z: u32, row: u32, col: u32, value: f32) {
  var result = value;
  if (HAS_BIAS) { result += bias[col]; }
  c[(z * p.m + row) * p.n + col] = result;
}
