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

alias GemmRow = u32; // where the row starts in A
alias GemmCol = u32; // where the column starts in B
alias GemmDepth = u32; // k

fn gemmDims(z: u32) -> vec4u { return vec4u(p.m, p.n, 0u, p.k); }

fn gemmRow(z: u32, row: u32) -> GemmRow {
  return z * p.aBatchStride + select(row * p.k, row, TRANS_A);
}

fn gemmCol(z: u32, col: u32) -> GemmCol {
  return z * p.bBatchStride + select(col, col * p.k, TRANS_B);
}

fn gemmDepth(z: u32, k: u32) -> GemmDepth { return k; }

fn gemmReadA(row: GemmRow, k: GemmDepth) -> f32 {
  return a[row + select(k, k * p.m, TRANS_A)];
}

fn gemmReadB(k: GemmDepth, col: GemmCol) -> f32 {
  return b[col + select(k * p.n, k, TRANS_B)];
}

fn gemmWrite(z: u32, row: u32, col: u32, value: f32) {
  var result = value;
  if (HAS_BIAS) { result += bias[col]; }
  c[(z * p.m + row) * p.n + col] = result;
}
