// Gradient of convolution with respect to its weight, as implicit GEMMs on gemm.wgsl's core:
//   gw [Cout/g × Cin/g·KH·KW] = gy [Cout/g × N·OH·OW] · im2col(x)ᵀ
// K (every image and output position) is long and the output small, so K may be split:
// problem z = group·splits + split writes partial sums to partials[split], added up after.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

alias GemmRow = u32; // where output channel `row`'s plane starts in gy's first image

// A (channel, tap) of the filter: its offset from a window's corner in x, and its place.
struct GemmCol { offset: i32, kh: i32, kw: i32 }

// An (image, output position): its offset in gy, and its window's corner in x.
struct GemmDepth { output: u32, corner: i32, top: i32, left: i32 }

fn gemmDims(z: u32) -> vec4u {
  let begin = (z % p.splits) * p.kChunk;
  return vec4u(outGroup(), inGroup() * window(), begin, min(begin + p.kChunk, p.batch * outPlane()));
}

fn gemmRow(z: u32, row: u32) -> GemmRow { return ((z / p.splits) * outGroup() + row) * outPlane(); }

fn gemmCol(z: u32, col: u32) -> GemmCol {
  let c = (z / p.splits) * inGroup() + col / window();
  let kh = (col % window()) / p.kernelW;
  let kw = col % p.kernelW;
  return GemmCol(i32((c * p.height + kh) * p.width + kw), i32(kh), i32(kw));
}

fn gemmDepth(z: u32, k: u32) -> GemmDepth {
  let n = k / outPlane();
  let q = k % outPlane();
  let top = i32((q / p.outWidth) * p.strideH) - i32(p.padH);
  let left = i32((q % p.outWidth) * p.strideW) - i32(p.padW);
  let corner = i32(n * p.inChannels * p.height * p.width) + top * i32(p.width) + left;
  return GemmDepth(n * p.outChannels * outPlane() + q, corner, top, left);
}

fn gemmReadA(row: GemmRow, d: GemmDepth) -> f32 { return gy[row + d.output]; }

fn gemmReadB(d: GemmDepth, col: GemmCol) -> f32 {
  let ih = d.top + col.kh;
  let iw = d.left + col.kw;
  if (u32(ih) >= p.height || u32(iw) >= p.width) { return 0.0; } // padding (negatives wrap high)
  return x[u32(d.corner + col.offset)];
}

fn gemmWrite(z: u32, row: u32, col: u32, value: f32) {
  let group = z / p.splits;
  let split = z % p.splits;
  partials[(split * p.outChannels + group * outGroup() + row) * inGroup() * window() + col] = value;
}
