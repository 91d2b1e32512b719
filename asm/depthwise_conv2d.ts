// Depthwise convolution, groups = inChannels = outChannels: one KH×KW filter per channel (the
// twin of shaders/depthwise_conv2d.wgsl), forward and both gradients. conv2d.ts would run it
// as C products of one filter row each, all packing and no reuse; here a plane is one stream
// of f32x4 multiply-adds over the phase planes of conv2d_common.ts, where every tap reads the
// output positions as one contiguous run of virtual rows (any kernel size, any stride).
//
// The input gradient is the full correlation of gy, dilated by the stride, with the flipped
// filter: one code path for every stride, at the price of multiplying the dilation's zeros in
// the stride-2 layers (the few downsampling ones of a network).
//
// Parts: the forward pass and the input gradient take shares of the (image, channel) planes,
// the weight gradient shares of the channels, each summed over the images in order; so every
// pass is bit-identical for any thread count.
//
// Pointers are byte addresses in linear memory; sizes and counts are in elements.
import { lanesSum, madd4, shareStart } from './common';
import { copyFloats, padPhases, phaseExtent, planesFloats, tapOffsets } from './conv2d_common';
import {
  DepthwiseConv2dBackwardInputParams, DepthwiseConv2dBackwardWeightParams, DepthwiseConv2dParams, DepthwiseConv2dWorkspaceBytesParams,
} from './generated';

/** Positions per step of the inner loops: four f32x4 accumulators. */
const RUN: i32 = 16;

@inline function roundRun(count: i32): i32 {
  return (count + RUN - 1) / RUN * RUN;
}

/** dst[j] = Σ_t w[t]·src[offsets[t] + j] for j < count (a multiple of RUN): one filter over a contiguous run. */
function correlate(src: usize, offsets: usize, w: usize, taps: i32, count: i32, dst: usize): void {
  for (let j = 0; j < count; j += RUN) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    const s = src + (<usize>j << 2);
    for (let t = 0; t < taps; t++) {
      const wt = v128.load32_splat(w + (<usize>t << 2));
      const at = s + <usize>load<i32>(offsets + (<usize>t << 2));
      a0 = madd4(wt, v128.load(at), a0);
      a1 = madd4(wt, v128.load(at, 16), a1);
      a2 = madd4(wt, v128.load(at, 32), a2);
      a3 = madd4(wt, v128.load(at, 48), a3);
    }
    const d = dst + (<usize>j << 2);
    v128.store(d, a0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
  }
}

/** Σ a[j]·b[j] for j < count (a multiple of RUN), in f32x4 lanes, added up in f64. */
function dot(a: usize, b: usize, count: i32): f64 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let j = 0; j < count; j += RUN) {
    const x = a + (<usize>j << 2), y = b + (<usize>j << 2);
    a0 = madd4(v128.load(x), v128.load(y), a0);
    a1 = madd4(v128.load(x, 16), v128.load(y, 16), a1);
    a2 = madd4(v128.load(x, 32), v128.load(y, 32), a2);
    a3 = madd4(v128.load(x, 48), v128.load(y, 48), a3);
  }
  return lanesSum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

/** Copies `rows` rows of `width` floats, from rows srcStride floats apart to rows dstStride apart. */
function copyRows(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, width: i32): void {
  for (let r = 0; r < rows; r++) copyFloats(dst + (<usize>(r * dstStride) << 2), src + (<usize>(r * srcStride) << 2), width);
}

/** The first o ≥ 0 with o·stride + offset ≥ 0. */
@inline function insideFrom(offset: i32, stride: i32): i32 {
  return offset >= 0 ? 0 : (stride - 1 - offset) / stride;
}
/** One past the last o < count with o·stride + offset < size. */
@inline function insideTo(offset: i32, stride: i32, size: i32, count: i32): i32 {
  return size <= offset ? 0 : min<i32>(count, (size - offset + stride - 1) / stride);
}

/**
 * dst (rows × cols) [o·sH + offH][q·sW + offW] = src[o][q] for the src entries (outHeight ×
 * outWidth) that land inside; the others reach only the padding. The rest of dst is left as it
 * is: zero, written once, since every plane of a call writes the same positions.
 */
function dilate(
  src: usize, outHeight: i32, outWidth: i32, sH: i32, sW: i32, offH: i32, offW: i32, rows: i32, cols: i32, dst: usize,
): void {
  const q0 = insideFrom(offW, sW), q1 = insideTo(offW, sW, cols, outWidth);
  for (let o = insideFrom(offH, sH); o < insideTo(offH, sH, rows, outHeight); o++) {
    const from = src + (<usize>(o * outWidth) << 2), to = dst + (<usize>((o * sH + offH) * cols + offW) << 2);
    for (let q = q0; q < q1; q++) store<f32>(to + (<usize>(q * sW) << 2), load<f32>(from + (<usize>q << 2)));
  }
}

// The three passes' workspaces, in floats: forward | input gradient | weight gradient.
@inline function forwardFloats(taps: i32, virtual: i32, planes: i32): i32 { return taps + virtual + planes; }
@inline function inputFloats(taps: i32, virtual: i32, dilated: i32): i32 { return 2 * taps + virtual + dilated; }
@inline function weightFloats(taps: i32, virtual: i32, planes: i32): i32 { return 3 * taps + virtual + planes; }

/** Per-part scratch bytes of any of the three depthwise passes. */
export function depthwiseConv2dWorkspaceBytes(p: DepthwiseConv2dWorkspaceBytesParams): i32 {
  const height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW;
  const outHeight = p.outHeight, outWidth = p.outWidth, taps = kernelH * kernelW;
  const hq = phaseExtent(height, kernelH, strideH, p.padH, outHeight), wq = phaseExtent(width, kernelW, strideW, p.padW, outWidth);
  const planes = planesFloats(1, strideH, strideW, hq, wq, RUN), virtual = roundRun(outHeight * wq);
  const wd = width + kernelW - 1, dilated = (height + kernelH - 1) * wd + RUN + wd;
  const most = max<i32>(max<i32>(forwardFloats(taps, virtual, planes), weightFloats(taps, virtual, planes)),
    inputFloats(taps, roundRun(height * wd), dilated));
  return most * 4 + 64;
}

/**
 * y = depthwise conv(x, w). A part takes a share of the (image, channel) planes. x, w, out,
 * workspace: byte pointers; workspace: depthwiseConv2dWorkspaceBytes.
 */
export function depthwiseConv2d(p: DepthwiseConv2dParams, part: i32, parts: i32): void {
  const x = p.x, w = p.w, y = p.out, workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const channels = p.inChannels, height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW;
  const strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW, outHeight = p.outHeight, outWidth = p.outWidth;
  const count = p.batch * channels, first = shareStart(count, part, parts), end = shareStart(count, part + 1, parts);
  if (first >= end) return;
  const taps = kernelH * kernelW, inPlane = height * width, outPlane = outHeight * outWidth;
  const hq = phaseExtent(height, kernelH, strideH, padH, outHeight), wq = phaseExtent(width, kernelW, strideW, padW, outWidth);
  const virtual = roundRun(outHeight * wq);
  // Workspace: tap offsets | virtual output rows | phase planes (their zeros written once:
  // padPhases then writes each plane's values only).
  const offsets = workspace;
  const rows = offsets + (<usize>taps << 2);
  const planes = rows + (<usize>virtual << 2);
  memory.fill(planes, 0, <usize>planesFloats(1, strideH, strideW, hq, wq, RUN) << 2);
  tapOffsets(offsets, 1, kernelH, kernelW, strideH, strideW, hq, wq);
  for (let plane = first; plane < end; plane++) {
    padPhases(x + (<usize>(plane * inPlane) << 2), 1, height, width, strideH, strideW, padH, padW, hq, wq, kernelH, kernelW, planes, false);
    correlate(planes, offsets, w + (<usize>(plane % channels * taps) << 2), taps, virtual, rows);
    copyRows(rows, wq, y + (<usize>(plane * outPlane) << 2), outWidth, outHeight, outWidth);
  }
}

/**
 * gx = ∂y/∂x · gy: per plane, the dilated gy (zero-padded by KH − 1 − padH above, and so on)
 * correlated with the flipped filter. A part takes a share of the planes. gy, w, gx,
 * workspace: byte pointers; workspace: depthwiseConv2dWorkspaceBytes.
 */
export function depthwiseConv2dBackwardInput(p: DepthwiseConv2dBackwardInputParams, part: i32, parts: i32): void {
  const gy = p.gy, w = p.w, gx = p.gx, workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const channels = p.inChannels, height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW;
  const strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW, outHeight = p.outHeight, outWidth = p.outWidth;
  const count = p.batch * channels, first = shareStart(count, part, parts), end = shareStart(count, part + 1, parts);
  if (first >= end) return;
  const taps = kernelH * kernelW, inPlane = height * width, outPlane = outHeight * outWidth;
  const hd = height + kernelH - 1, wd = width + kernelW - 1, virtual = roundRun(height * wd);
  // Workspace: tap offsets | flipped filter | virtual gx rows | dilated gy (its zeros written once).
  const offsets = workspace;
  const flipped = offsets + (<usize>taps << 2);
  const rows = flipped + (<usize>taps << 2);
  const dilated = rows + (<usize>virtual << 2);
  memory.fill(dilated, 0, <usize>(hd * wd + RUN + wd) << 2);
  for (let t = 0; t < taps; t++) store<i32>(offsets + (<usize>t << 2), ((t / kernelW) * wd + t % kernelW) << 2);
  for (let plane = first; plane < end; plane++) {
    const filter = w + (<usize>(plane % channels * taps) << 2);
    for (let t = 0; t < taps; t++) store<f32>(flipped + (<usize>t << 2), load<f32>(filter + (<usize>(taps - 1 - t) << 2)));
    dilate(gy + (<usize>(plane * outPlane) << 2), outHeight, outWidth, strideH, strideW, kernelH - 1 - padH, kernelW - 1 - padW,
      hd, wd, dilated);
    correlate(dilated, offsets, flipped, taps, virtual, rows);
    copyRows(rows, wd, gx + (<usize>(plane * inPlane) << 2), width, height, width);
  }
}

/**
 * gw[c, t] = Σ over the images and output positions of gy · x at tap t: per channel, a dot
 * product of gy (in virtual rows, dropped columns zero) with each tap's run of the phase
 * planes, added over the images in f64. A part takes a share of the channels. x, gy, gw,
 * workspace: byte pointers; workspace: depthwiseConv2dWorkspaceBytes.
 */
export function depthwiseConv2dBackwardWeight(p: DepthwiseConv2dBackwardWeightParams, part: i32, parts: i32): void {
  const x = p.x, gy = p.gy, gw = p.gw, workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const batch = p.batch, channels = p.inChannels, height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW;
  const strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW, outHeight = p.outHeight, outWidth = p.outWidth;
  const first = shareStart(channels, part, parts), end = shareStart(channels, part + 1, parts);
  if (first >= end) return;
  const taps = kernelH * kernelW, inPlane = height * width, outPlane = outHeight * outWidth;
  const hq = phaseExtent(height, kernelH, strideH, padH, outHeight), wq = phaseExtent(width, kernelW, strideW, padW, outWidth);
  const virtual = roundRun(outHeight * wq);
  // Workspace: sums (f64) | tap offsets | gy in virtual rows | phase planes; the zeros of the
  // last two (gy's dropped columns, the planes' padding and slack) written once.
  const sums = workspace;
  const offsets = sums + (<usize>taps << 3);
  const gyRows = offsets + (<usize>taps << 2);
  const planes = gyRows + (<usize>virtual << 2);
  memory.fill(gyRows, 0, <usize>(virtual + planesFloats(1, strideH, strideW, hq, wq, RUN)) << 2);
  tapOffsets(offsets, 1, kernelH, kernelW, strideH, strideW, hq, wq);
  for (let c = first; c < end; c++) {
    memory.fill(sums, 0, <usize>taps << 3);
    for (let n = 0; n < batch; n++) {
      const plane = n * channels + c;
      padPhases(x + (<usize>(plane * inPlane) << 2), 1, height, width, strideH, strideW, padH, padW, hq, wq, kernelH, kernelW,
        planes, false);
      copyRows(gy + (<usize>(plane * outPlane) << 2), outWidth, gyRows, wq, outHeight, outWidth);
      for (let t = 0; t < taps; t++) {
        const sum = sums + (<usize>t << 3);
        store<f64>(sum, load<f64>(sum) + dot(gyRows, planes + <usize>load<i32>(offsets + (<usize>t << 2)), virtual));
      }
    }
    for (let t = 0; t < taps; t++) store<f32>(gw + (<usize>(c * taps + t) << 2), <f32>load<f64>(sums + (<usize>t << 3)));
  }
}
