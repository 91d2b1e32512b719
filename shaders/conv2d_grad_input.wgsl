// Gradient of convolution with respect to its input, as implicit GEMMs on gemm.wgsl's core.
// A strided convolution sends each input position's gradient through only the taps whose
// stride lands on it, and which taps those are depends on the position's phase
// (ih mod strideH, iw mod strideW). Splitting the input into phases gives one dense GEMM per
// (group, phase) with no wasted multiply-adds, where reading every tap and testing the
// stride would waste (strideH·strideW − 1) of every strideH·strideW:
//   gx[phase] [Cin/g × N·QH·QW] = w[taps of phase]ᵀ [Cin/g × Cout/g·TH·TW] · gy(shifted)
// A phase no tap reaches (stride larger than the kernel) has K = 0 and is written as zeros.

@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

// One axis of a phase: input positions i = q·stride + phase meet the taps
// firstTap + j·stride (j < taps) at output positions q + shift − j.
struct Axis { phase: u32, firstTap: u32, taps: u32, shift: u32, positions: u32 }

fn axis(phase: u32, stride: u32, pad: u32, kernel: u32, size: u32) -> Axis {
  let firstTap = (phase + pad) % stride;
  let taps = select(0u, (kernel - firstTap + stride - 1u) / stride, firstTap < kernel);
  let positions = select(0u, (size - phase + stride - 1u) / stride, phase < size);
  return Axis(phase, firstTap, taps, (phase + pad - firstTap) / stride, positions);
}

struct Phase { group: u32, h: Axis, w: Axis }

fn phaseOf(z: u32) -> Phase {
  let phases = p.strideH * p.strideW;
  let ph = (z % phases) / p.strideW;
  let pw = z % p.strideW;
  return Phase(z / phases, axis(ph, p.strideH, p.padH, p.kernelH, p.height),
               axis(pw, p.strideW, p.padW, p.kernelW, p.width));
}

alias GemmRow = u32; // where input channel `row`'s taps start in w

// An input position of the phase: where output position (q + shift) sits in gy.
struct GemmCol { base: i32, oh: i32, ow: i32 }

// A (output channel, tap) pair: its weight's offset, and how far it shifts gy back.
struct GemmDepth { weight: u32, back: i32, jh: i32, jw: i32 }

fn gemmDims(z: u32) -> vec4u {
  let ph = phaseOf(z);
  return vec4u(inGroup(), p.batch * ph.h.positions * ph.w.positions, 0u, outGroup() * ph.h.taps * ph.w.taps);
}

fn gemmRow(z: u32, row: u32) -> GemmRow {
  let ph = phaseOf(z);
  return ((ph.group * outGroup()) * inGroup() + row) * p.kernelH * p.kernelW;
}

fn gemmCol(z: u32, col: u32) -> GemmCol {
  let ph = phaseOf(z);
  let plane = ph.h.positions * ph.w.positions;
  let n = col / plane;
  let oh = (col % plane) / ph.w.positions + ph.h.shift;
  let ow = col % ph.w.positions + ph.w.shift;
  let channel0 = n * p.outChannels + ph.group * outGroup();
  return GemmCol(i32((channel0 * p.outHeight + oh) * p.outWidth + ow), i32(oh), i32(ow));
}

fn gemmDepth(z: u32, k: u32) -> GemmDepth {
  let ph = phaseOf(z);
  let taps = ph.h.taps * ph.w.taps;
  let o = k / taps;
  let jh = (k % taps) / ph.w.taps;
  let jw = k % ph.w.taps;
  let kh = ph.h.firstTap + jh * p.strideH;
  let kw = ph.w.firstTap + jw * p.strideW;
  let weight = o * inGroup() * p.kernelH * p.kernelW + kh * p.kernelW + kw;
  let back = i32(o * p.outHeight * p.outWidth) - i32(jh * p.outWidth + jw);
  return GemmDepth(weight, back, i32(jh), i32(jw));
}

fn gemmReadA(row: GemmRow, d: GemmDepth) -> f32 { return w[row + d.weight]; }

fn gemmReadB(d: GemmDepth, col: GemmCol) -> f32 {
  let oh = col.oh - d.jh;
  let ow = col.ow - d.jw;
  if (u32(oh) >= p.outHeight || u32(ow) >= p.outWidth) { return 0.0; } // negatives wrap high
  return gy[u32(col.base + d.back)];
}

fn gemmWrite(z: u32, row: u32, col: u32, value: f32) {
  let ph = phaseOf(z);
  let plane = ph.h.positions * ph.w.positions;
  let n = col / plane;
  let ih = ((col % plane) / ph.w.positions) * p.strideH + ph.h.phase;
  let iw = (col % ph.w.positions) * p.strideW + ph.w.phase;
  gx[(((n * p.inChannels + ph.group * inGroup() + row) * p.height + ih) * p.width) + iw] = value;
}
