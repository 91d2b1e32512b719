// What the convolution kernels (conv2d.ts, depthwise_conv2d.ts) share: images copied into
// zero-padded planes split by stride phase, xq[c][phase][Hq][Wq] with phase = (ih mod s,
// iw mod s). In those planes every filter tap (c, kh, kw) sees the output positions as one
// contiguous run from a fixed offset, provided a "virtual" output row is Wq wide (the extra
// columns are computed and dropped): no im2col, no bounds tests, no strided loads.
//
// Pointers are byte addresses in linear memory; sizes and counts are in elements.

/** Rows (or columns) of a phase plane: the padded input's phase, at least what the taps read. */
@inline export function phaseExtent(size: i32, kernel: i32, stride: i32, pad: i32, out: i32): i32 {
  return max<i32>((size + 2 * pad + stride - 1) / stride, out + (kernel - 1) / stride);
}

/**
 * Floats of one image's phase planes, with slack for the virtual columns read past the end
 * by a kernel that reads runs of `run` floats from each tap's start.
 */
@inline export function planesFloats(channels: i32, sH: i32, sW: i32, hq: i32, wq: i32, run: i32): i32 {
  return channels * sH * sW * hq * wq + run + wq;
}

/** dst[i] = src[i] for i < count, four at a time: rows this short cost less so than through memory.copy's call. */
@inline export function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/**
 * dst[c][ph][pw][r][q] = src[c][r·sH + ph − padH][q·sW + pw − padW], or 0 outside src
 * (channels planes of height×width at src). Phases no tap reads (ph ≥ kernelH, as in a 1×1
 * strided convolution) are skipped: only dropped virtual columns ever look at them. Without
 * `borders` only the values from src are written: the zeros around them are in dst already,
 * from an earlier call of the same geometry (a kernel that pads plane after plane).
 */
export function padPhases(
  src: usize, channels: i32, height: i32, width: i32, sH: i32, sW: i32, padH: i32, padW: i32,
  hq: i32, wq: i32, kernelH: i32, kernelW: i32, dst: usize, borders: bool,
): void {
  const rowBytes = <usize>wq << 2;
  const planeBytes = <usize>(hq * wq) << 2;
  for (let c = 0; c < channels; c++) {
    const plane = src + (<usize>(c * height * width) << 2);
    for (let ph = 0; ph < sH; ph++) {
      for (let pw = 0; pw < sW; pw++) {
        if (ph >= kernelH || pw >= kernelW) { dst += planeBytes; continue; }
        // Columns [lo, hi) of a plane row come from inside the source row.
        const lo = min<i32>(wq, padW - pw <= 0 ? 0 : (padW - pw + sW - 1) / sW);
        const hi = max<i32>(lo, min<i32>(wq, (width + padW - pw + sW - 1) / sW));
        for (let r = 0; r < hq; r++) {
          const ih = r * sH + ph - padH;
          if (ih < 0 || ih >= height || lo == hi) {
            if (borders) memory.fill(dst, 0, rowBytes);
          } else {
            if (borders) memory.fill(dst, 0, <usize>lo << 2);
            const from = plane + (<usize>(ih * width + lo * sW + pw - padW) << 2);
            if (sW == 1) {
              copyFloats(dst + (<usize>lo << 2), from, hi - lo);
            } else {
              for (let q = lo; q < hi; q++) store<f32>(dst + (<usize>q << 2), load<f32>(from + (<usize>((q - lo) * sW) << 2)));
            }
            if (borders) memory.fill(dst + (<usize>hi << 2), 0, <usize>(wq - hi) << 2);
          }
          dst += rowBytes;
        }
      }
    }
  }
}

/** Byte offset in the phase planes of tap (c, kh, kw) for k = (c·KH + kh)·KW + kw. */
export function tapOffsets(dst: usize, channels: i32, kernelH: i32, kernelW: i32, sH: i32, sW: i32, hq: i32, wq: i32): void {
  for (let c = 0; c < channels; c++) {
    for (let kh = 0; kh < kernelH; kh++) {
      for (let kw = 0; kw < kernelW; kw++) {
        const plane = (c * sH + kh % sH) * sW + kw % sW;
        store<i32>(dst, (plane * hq * wq + (kh / sH) * wq + kw / sW) << 2);
        dst += 4;
      }
    }
  }
}
