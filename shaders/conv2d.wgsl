// Convolution forward as an implicit GEMM on the core of gemm.wgsl, one problem per group:
//   y [Cout/g × N·OH·OW] = w [Cout/g × Cin/g·KH·KW] · im2col(x)
// The im2col matrix is never stored: its reader turns (k, column) into an address of x.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

alias GemmRow = u32; // where the output channel's filter starts in w

// An output position: where its window's top-left tap would be in x (maybe in the padding).
struct GemmCol { corner: i32, top: i32, left: i32 }

// A filter tap: its offset from a window's corner, and its row and column in the window.
struct GemmDepth { k: u32, offset: i32, kh: i32, kw: i32 }

fn gemmDims(z: u32) -> vec4u { return vec4u(outGroup(), p.batch * outPlane(), 0u, inGroup() * window()); }

fn gemmRow(z: u32, row: u32) -> GemmRow { return (z * outGroup() + row) * inGroup() * window(); }

fn gemmCol(z: u32, col: u32) -> GemmCol {
  let n = col / outPlane();
  let q = col % outPlane();
  let top = i32((q / p.outWidth) * p.strideH) - i32(p.padH);
  let left = i32((q % p.outWidth) * p.strideW) - i32(p.padW);
  let channel0 = (n * p.inChannels + z * inGroup()) * p.height * p.width;
  return GemmCol(i32(channel0) + top * i32(p.width) + left, top, left);
}

fn gemmDepth(z: u32, k: u32) -> GemmDepth {
  let c = k / window();
  let kh = (k % window()) / p.kernelW;
  let kw = k % p.kernelW;
  return GemmDepth(k, i32((c * p.height + kh) * p.width + kw), i32(kh), i32(kw));
}

fn gemmReadA(row: GemmRow, d: GemmDepth) -> f32 { return w[row + d.k]; }

fn gemmReadB(d: GemmDepth, col: GemmCol) -> f32 {
  let ih = col.top + d.kh;
  let iw = col.left + d.kw;
  if (u32(ih) >= p.height || u32(iw) >= p.width) { return 0.0; } // padding (negatives wrap high)
  return x[u32(col.corner + d.offset)];
}

fn gemmWrite(z: u32, row: u32, col: u32, value: f32) {
  y[((col / outPlane()) * p.outChannels + z * outGroup() + row) * outPlane() + col % outPlane()] = value;
}
