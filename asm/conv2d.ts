// Convolution over NCHW with [Cout, Cin/g, KH, KW] weights (the twin of shaders/conv2d*.wgsl):
// forward and both gradients, each a set of GEMMs on the core of gemm.ts.
//
// The trick that keeps im2col out: each image is first copied into zero-padded planes split by
// stride phase (conv2d_common.ts: xq[c][phase][Hq][Wq], phase = (ih mod s, iw mod s)). In
// those planes every filter tap (c, kh, kw) sees the output positions as one contiguous run
// that starts at a fixed offset, provided a "virtual" output row is Wq wide (the extra
// columns are computed and dropped). So the forward pass and the input gradient read B rows straight from the
// planes through gemm.ts's row table, with no packing; the weight gradient, whose depth is the
// positions, packs its B panels from the same planes without any bounds tests.
//
// Parts: forward and input gradient take whole images; the weight gradient cuts the batch into
// a fixed number of splits (independent of parts), sums each into its own partial and adds the
// partials in split order afterwards, so every pass is bit-identical for any thread count.
//
// All pointers are byte addresses in linear memory; sizes and counts are in elements.
import { quadShareStart, shareStart } from './common';
import { padPhases, phaseExtent, planesFloats, tapOffsets } from './conv2d_common';
import {
  Conv2dBackwardInputParams, Conv2dBackwardInputWorkspaceBytesParams, Conv2dBackwardWeightParams, Conv2dBackwardWeightPartialsBytesParams,
  Conv2dBackwardWeightReduceParams, Conv2dBackwardWeightSplitsParams, Conv2dBackwardWeightWorkspaceBytesParams, Conv2dParams,
  Conv2dWorkspaceBytesParams,
} from './generated';
import {
  blocksOf, blockStart, KC, macroKernel, MR, NR, packA, packedRows, roundUp, TILE_BYTES, transpose4Rows,
} from './gemm';

/** Columns of B packed at once in the weight gradient. */
const NCW: i32 = 512;
/** Most splits of the weight gradient's batch (each costs one partial of gw). */
const MAX_SPLITS: i32 = 16;

/** Column table of virtual rows `wv` wide: (r, q) → r·rowStep + q·colStep + base, −1 past `valid` columns. */
function virtualCols(dst: usize, rows: i32, wv: i32, valid: i32, rowStep: i32, colStep: i32, base: i32): void {
  const count = rows * wv;
  for (let j = 0; j < roundUp(count, NR); j++) {
    const r = j / wv, q = j % wv;
    store<i32>(dst + (<usize>j << 2), j < count && q < valid ? r * rowStep + q * colStep + base : -1);
  }
}

// ---- Forward -----------------------------------------------------------------------------

@inline function fwdHq(height: i32, kernelH: i32, strideH: i32, padH: i32, outHeight: i32): i32 {
  return phaseExtent(height, kernelH, strideH, padH, outHeight);
}

/** Per-part scratch bytes of conv2d. */
export function conv2dWorkspaceBytes(p: Conv2dWorkspaceBytesParams): i32 {
  const inChannels = p.inChannels, height = p.height, width = p.width, outChannels = p.outChannels;
  const kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW;
  const outHeight = p.outHeight, outWidth = p.outWidth, groups = p.groups;
  const depth = inChannels / groups * kernelH * kernelW;
  const hq = fwdHq(height, kernelH, strideH, padH, outHeight);
  const wq = fwdHq(width, kernelW, strideW, padW, outWidth);
  const floats = groups * roundUp(outChannels / groups, MR) * depth + depth + roundUp(outHeight * wq, NR)
    + planesFloats(inChannels, strideH, strideW, hq, wq, NR);
  return floats * 4 + TILE_BYTES + 64;
}

/**
 * y = conv(x, w): per group, y[n] (Cout/g × OH·OW) = W (Cout/g × Cin/g·KH·KW) · im2col(x[n]),
 * B read straight from the phase planes. A part takes a share of the images (a part with none
 * returns at once). x, w, out, workspace: byte pointers; workspace: conv2dWorkspaceBytes.
 */
export function conv2d(p: Conv2dParams, part: i32, parts: i32): void {
  const x = p.x, w = p.w, y = p.out, workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const batch = p.batch, inChannels = p.inChannels, height = p.height, width = p.width, outChannels = p.outChannels;
  const kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW;
  const outHeight = p.outHeight, outWidth = p.outWidth, groups = p.groups;
  const n0 = shareStart(batch, part, parts), n1 = shareStart(batch, part + 1, parts);
  if (n0 >= n1) return;
  const cig = inChannels / groups, cog = outChannels / groups;
  const depth = cig * kernelH * kernelW, plane = outHeight * outWidth;
  const hq = fwdHq(height, kernelH, strideH, padH, outHeight);
  const wq = fwdHq(width, kernelW, strideW, padW, outWidth);
  const virtual = outHeight * wq;
  const rowsPadded = roundUp(cog, MR);
  // Workspace: packed weights | tap offsets | column table | tile | phase planes.
  const packed = workspace;
  const taps = packed + (<usize>(groups * rowsPadded * depth) << 2);
  const cols = taps + (<usize>depth << 2);
  const tile = cols + (<usize>roundUp(virtual, NR) << 2);
  const planes = tile + TILE_BYTES;
  const groupPlanes = <usize>(cig * strideH * strideW * hq * wq) << 2;
  const planesEnd = <usize>(inChannels * strideH * strideW * hq * wq) << 2;
  memory.fill(planes + planesEnd, 0, <usize>(NR + wq) << 2); // slack read by dropped columns

  const kBlocks = blocksOf(depth, KC);
  for (let g = 0; g < groups; g++) {
    for (let kb = 0; kb < kBlocks; kb++) {
      const k0 = blockStart(depth, kBlocks, kb), kc = blockStart(depth, kBlocks, kb + 1) - k0;
      packA(w + (<usize>(g * cog * depth + k0) << 2), depth, 1, cog, kc,
        packed + (<usize>(rowsPadded * (g * depth + k0)) << 2));
    }
  }
  tapOffsets(taps, cig, kernelH, kernelW, strideH, strideW, hq, wq);
  virtualCols(cols, outHeight, wq, outWidth, outWidth, 1, 0);

  for (let n = n0; n < n1; n++) {
    padPhases(x + (<usize>(n * inChannels * height * width) << 2), inChannels, height, width,
      strideH, strideW, padH, padW, hq, wq, kernelH, kernelW, planes, true);
    for (let g = 0; g < groups; g++) {
      const out = y + (<usize>((n * outChannels + g * cog) * plane) << 2);
      for (let kb = 0; kb < kBlocks; kb++) {
        const k0 = blockStart(depth, kBlocks, kb), kc = blockStart(depth, kBlocks, kb + 1) - k0;
        macroKernel(packed + (<usize>(rowsPadded * (g * depth + k0)) << 2), cog,
          planes + <usize>g * groupPlanes, NR * 4, taps + (<usize>k0 << 2), kc, virtual,
          out, plane, cols, kb > 0, tile);
      }
    }
  }
}

// ---- Gradient with respect to the input ----------------------------------------------------
// Phase decomposition as in conv2d_grad_input.wgsl: input positions i = q·s + phase meet the
// taps firstTap + j·s (j < taps) at output positions q + shift − j. gy is padded (stride 1)
// so that q + shift − j always lands in the plane; then for a phase, tap row (o, jh, jw) of B
// is the padded gy plane of o shifted by (shift − j + pad), contiguous over virtual columns.

@inline function firstTap(phase: i32, stride: i32, pad: i32): i32 { return (phase + pad) % stride; }
@inline function tapCount(phase: i32, stride: i32, pad: i32, kernel: i32): i32 {
  const f = firstTap(phase, stride, pad);
  return f < kernel ? (kernel - f + stride - 1) / stride : 0;
}
@inline function positionCount(phase: i32, stride: i32, size: i32): i32 {
  return phase < size ? (size - phase + stride - 1) / stride : 0;
}
@inline function tapShift(phase: i32, stride: i32, pad: i32): i32 { return (phase + pad - firstTap(phase, stride, pad)) / stride; }

/** Padding of gy before (low) or after (high) one axis so that every phase's reads stay inside. */
function gyPad(high: bool, stride: i32, pad: i32, kernel: i32, size: i32, out: i32): i32 {
  let most = 0;
  for (let phase = 0; phase < stride; phase++) {
    const taps = tapCount(phase, stride, pad, kernel), positions = positionCount(phase, stride, size);
    if (taps == 0 || positions == 0) continue;
    const shift = tapShift(phase, stride, pad);
    most = max<i32>(most, high ? positions - 1 + shift - (out - 1) : taps - 1 - shift);
  }
  return most;
}

/** Per-part scratch bytes of conv2dBackwardInput. */
export function conv2dBackwardInputWorkspaceBytes(p: Conv2dBackwardInputWorkspaceBytesParams): i32 {
  const inChannels = p.inChannels, height = p.height, width = p.width, outChannels = p.outChannels;
  const kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW;
  const outHeight = p.outHeight, outWidth = p.outWidth, groups = p.groups;
  const cig = inChannels / groups, cog = outChannels / groups, taps = cog * kernelH * kernelW;
  const hp = outHeight + gyPad(false, strideH, padH, kernelH, height, outHeight) + gyPad(true, strideH, padH, kernelH, height, outHeight);
  const wp = outWidth + gyPad(false, strideW, padW, kernelW, width, outWidth) + gyPad(true, strideW, padW, kernelW, width, outWidth);
  const floats = groups * roundUp(cig, MR) * taps + taps + strideW * height * wp + strideH * strideW * NR
    + cig * taps + planesFloats(outChannels, 1, 1, hp, wp, NR);
  return floats * 4 + TILE_BYTES + 64;
}

/**
 * gx = ∂conv/∂x · gy: per group and stride phase, gx[phase] (Cin/g × QH·QW) =
 * W[taps of phase]ᵀ · gy(shifted); a phase no tap reaches is written as zeros. A part takes a
 * share of the images. gy, w, gx, workspace: byte pointers; workspace:
 * conv2dBackwardInputWorkspaceBytes.
 */
export function conv2dBackwardInput(p: Conv2dBackwardInputParams, part: i32, parts: i32): void {
  const gy = p.gy, w = p.w, gx = p.gx, workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const batch = p.batch, inChannels = p.inChannels, height = p.height, width = p.width, outChannels = p.outChannels;
  const kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW;
  const outHeight = p.outHeight, outWidth = p.outWidth, groups = p.groups;
  const n0 = shareStart(batch, part, parts), n1 = shareStart(batch, part + 1, parts);
  if (n0 >= n1) return;
  const cig = inChannels / groups, cog = outChannels / groups;
  const window = kernelH * kernelW, taps = cog * window, inPlane = height * width;
  const padT = gyPad(false, strideH, padH, kernelH, height, outHeight);
  const padL = gyPad(false, strideW, padW, kernelW, width, outWidth);
  const hp = outHeight + padT + gyPad(true, strideH, padH, kernelH, height, outHeight);
  const wp = outWidth + padL + gyPad(true, strideW, padW, kernelW, width, outWidth);
  const rowsPadded = roundUp(cig, MR);
  // Workspace: packed phase weights | tap offsets | column tables | unpacked weights | tile | planes.
  const packed = workspace;
  const offsets = packed + (<usize>(groups * rowsPadded * taps) << 2);
  const cols = offsets + (<usize>taps << 2);
  const gather = cols + (<usize>(strideW * height * wp + strideH * strideW * NR) << 2);
  const tile = gather + (<usize>(cig * taps) << 2);
  const planes = tile + TILE_BYTES;
  const groupPlanes = <usize>(cog * hp * wp) << 2;
  memory.fill(planes + (<usize>(outChannels * hp * wp) << 2), 0, <usize>(NR + wp) << 2);

  // Per phase: its weights (gathered, then packed per group), tap offsets and column table.
  let packedAt = packed, offsetsAt = offsets, colsAt = cols;
  for (let ph = 0; ph < strideH; ph++) {
    for (let pw = 0; pw < strideW; pw++) {
      const th = tapCount(ph, strideH, padH, kernelH), tw = tapCount(pw, strideW, padW, kernelW);
      const qh = positionCount(ph, strideH, height), qw = positionCount(pw, strideW, width);
      const fh = firstTap(ph, strideH, padH), fw = firstTap(pw, strideW, padW);
      const sh = tapShift(ph, strideH, padH), sw = tapShift(pw, strideW, padW);
      const depth = cog * th * tw;
      for (let o = 0; o < cog; o++) {
        for (let jh = 0; jh < th; jh++) {
          for (let jw = 0; jw < tw; jw++) {
            const k = (o * th + jh) * tw + jw;
            store<i32>(offsetsAt + (<usize>k << 2), (o * hp * wp + (sh - jh + padT) * wp + sw - jw + padL) << 2);
          }
        }
      }
      virtualCols(colsAt, qh, wp, qw, strideH * width, strideW, ph * width + pw);
      const kBlocks = blocksOf(depth, KC);
      for (let g = 0; g < groups; g++) {
        for (let ci = 0; ci < cig; ci++) {
          for (let o = 0; o < cog; o++) {
            for (let jh = 0; jh < th; jh++) {
              for (let jw = 0; jw < tw; jw++) {
                const src = (((g * cog + o) * cig + ci) * kernelH + fh + jh * strideH) * kernelW + fw + jw * strideW;
                store<f32>(gather + (<usize>(ci * depth + (o * th + jh) * tw + jw) << 2), load<f32>(w + (<usize>src << 2)));
              }
            }
          }
        }
        const at = packedAt + (<usize>(g * rowsPadded * taps) << 2);
        for (let kb = 0; kb < kBlocks; kb++) {
          const k0 = blockStart(depth, kBlocks, kb), kc = blockStart(depth, kBlocks, kb + 1) - k0;
          packA(gather + (<usize>k0 << 2), depth, 1, cig, kc, at + (<usize>(rowsPadded * k0) << 2));
        }
      }
      packedAt += <usize>(rowsPadded * depth) << 2;
      offsetsAt += <usize>depth << 2;
      colsAt += <usize>roundUp(qh * wp, NR) << 2;
    }
  }

  for (let n = n0; n < n1; n++) {
    padPhases(gy + (<usize>(n * outChannels * outHeight * outWidth) << 2), outChannels, outHeight, outWidth,
      1, 1, padT, padL, hp, wp, 1, 1, planes, true);
    packedAt = packed; offsetsAt = offsets; colsAt = cols;
    for (let ph = 0; ph < strideH; ph++) {
      for (let pw = 0; pw < strideW; pw++) {
        const depth = cog * tapCount(ph, strideH, padH, kernelH) * tapCount(pw, strideW, padW, kernelW);
        const qh = positionCount(ph, strideH, height), qw = positionCount(pw, strideW, width);
        const kBlocks = blocksOf(depth, KC);
        for (let g = 0; g < groups; g++) {
          const out = gx + (<usize>((n * inChannels + g * cig) * inPlane) << 2);
          if (depth == 0) {
            // No tap reaches this phase: its gradient is zero.
            for (let ci = 0; ci < cig; ci++) {
              for (let r = 0; r < qh; r++) {
                for (let q = 0; q < qw; q++) {
                  store<f32>(out + (<usize>(ci * inPlane + (r * strideH + ph) * width + q * strideW + pw) << 2), 0);
                }
              }
            }
            continue;
          }
          const at = packedAt + (<usize>(g * rowsPadded * taps) << 2);
          for (let kb = 0; kb < kBlocks; kb++) {
            const k0 = blockStart(depth, kBlocks, kb), kc = blockStart(depth, kBlocks, kb + 1) - k0;
            macroKernel(at + (<usize>(rowsPadded * k0) << 2), cig, planes + <usize>g * groupPlanes, NR * 4,
              offsetsAt + (<usize>k0 << 2), kc, qh * wp, out, inPlane, colsAt, kb > 0, tile);
          }
        }
        packedAt += <usize>(rowsPadded * depth) << 2;
        offsetsAt += <usize>depth << 2;
        colsAt += <usize>roundUp(qh * wp, NR) << 2;
      }
    }
  }
}

// ---- Gradient with respect to the weight ------------------------------------------------------

/** Number of batch splits of the weight gradient: fixed by the batch alone, not by parts. */
export function conv2dBackwardWeightSplits(p: Conv2dBackwardWeightSplitsParams): i32 {
  return splitsOf(p.batch);
}

@inline function splitsOf(batch: i32): i32 {
  return max<i32>(1, min<i32>(batch, MAX_SPLITS));
}

/** Shared bytes for the weight gradient's partial sums: splits × the size of gw. */
export function conv2dBackwardWeightPartialsBytes(p: Conv2dBackwardWeightPartialsBytesParams): i32 {
  return splitsOf(p.batch) * p.outChannels * (p.inChannels / p.groups) * p.kernelH * p.kernelW * 4;
}

/** Per-part scratch bytes of conv2dBackwardWeight. */
export function conv2dBackwardWeightWorkspaceBytes(p: Conv2dBackwardWeightWorkspaceBytesParams): i32 {
  const inChannels = p.inChannels, height = p.height, width = p.width, outChannels = p.outChannels;
  const kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW;
  const outHeight = p.outHeight, outWidth = p.outWidth, groups = p.groups;
  const depth = inChannels / groups * kernelH * kernelW;
  const hq = fwdHq(height, kernelH, strideH, padH, outHeight);
  const wq = fwdHq(width, kernelW, strideW, padW, outWidth);
  const nc = roundUp(min<i32>(NCW, depth), NR);
  const floats = depth + nc + KC + roundUp(outChannels / groups, MR) * KC + KC * nc
    + planesFloats(inChannels, strideH, strideW, hq, wq, NR);
  return floats * 4 + TILE_BYTES + 64;
}

/**
 * Packs B(k, j) = planes[offsets[j] + position(p0 + k)] for kc positions and `cols` taps
 * into NR-wide panels: the weight gradient's im2col, transposed, with no bounds tests.
 */
function packTaps(planes: usize, offsets: usize, cols: i32, p0: i32, kc: i32, outWidth: i32, wq: i32, dst: usize): void {
  const r0 = p0 / outWidth, q0 = p0 % outWidth;
  for (let j = 0; j < cols; j += NR) {
    const width = min<i32>(NR, cols - j);
    if (width == NR) {
      packTapPanel(planes + (<usize>(r0 * wq) << 2), offsets + (<usize>j << 2), q0, kc, outWidth, wq, dst);
      dst += <usize>(kc * NR) << 2;
      continue;
    }
    for (let t = 0; t < NR; t++) {
      let d = dst + (<usize>t << 2);
      if (t >= width) {
        for (let k = 0; k < kc; k++) { store<f32>(d, 0); d += NR * 4; }
        continue;
      }
      let row = planes + <usize>load<i32>(offsets + (<usize>(j + t) << 2)) + (<usize>(r0 * wq) << 2);
      let q = q0;
      for (let k = 0; k < kc; k++) {
        store<f32>(d, load<f32>(row + (<usize>q << 2)));
        d += NR * 4;
        if (++q == outWidth) { q = 0; row += <usize>wq << 2; }
      }
    }
    dst += <usize>(kc * NR) << 2;
  }
}

/**
 * One full panel of packTaps (NR = 8 taps from `offsets`, positions from column q0 of the
 * plane row at `row`): along a row the positions are contiguous in every tap, so four taps ×
 * four positions at a time are one 4×4 transpose; the rest of each row's run goes one by one.
 */
function packTapPanel(row: usize, offsets: usize, q0: i32, kc: i32, outWidth: i32, wq: i32, dst: usize): void {
  const o0 = <usize>load<i32>(offsets), o1 = <usize>load<i32>(offsets, 4);
  const o2 = <usize>load<i32>(offsets, 8), o3 = <usize>load<i32>(offsets, 12);
  const o4 = <usize>load<i32>(offsets, 16), o5 = <usize>load<i32>(offsets, 20);
  const o6 = <usize>load<i32>(offsets, 24), o7 = <usize>load<i32>(offsets, 28);
  let q = q0;
  for (let k = 0; k < kc;) {
    const run = min<i32>(outWidth - q, kc - k);
    const base = row + (<usize>q << 2);
    let d = dst + (<usize>(k * NR) << 2);
    let i = 0;
    for (; i + 4 <= run; i += 4) {
      const at = base + (<usize>i << 2);
      transpose4Rows(at + o0, at + o1, at + o2, at + o3, d, NR * 4);
      transpose4Rows(at + o4, at + o5, at + o6, at + o7, d + 16, NR * 4);
      d += 4 * NR * 4;
    }
    for (; i < run; i++) {
      for (let t = 0; t < NR; t++) {
        const tap = base + <usize>load<i32>(offsets + (<usize>t << 2));
        store<f32>(d + (<usize>t << 2), load<f32>(tap + (<usize>i << 2)));
      }
      d += NR * 4;
    }
    k += run;
    q = 0;
    row += <usize>wq << 2;
  }
}

/**
 * Partial sums of gw = gy · im2col(x)ᵀ per group, one partial per batch split:
 * partials[s] (Cout × Cin/g·KH·KW) = Σ over the images of split s. A part takes a share of
 * the splits; conv2dBackwardWeightReduce then adds them into gw. x, gy, gw, partials,
 * workspace: byte pointers; gw is not written here (it is in the record for symmetry).
 * Part p's workspace starts at workspace + p·workspaceStride, as in every kernel the host hands scratch to.
 */
export function conv2dBackwardWeight(p: Conv2dBackwardWeightParams, part: i32, parts: i32): void {
  const x = p.x, gy = p.gy, partials = p.partials, workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const batch = p.batch, inChannels = p.inChannels, height = p.height, width = p.width, outChannels = p.outChannels;
  const kernelH = p.kernelH, kernelW = p.kernelW, strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW;
  const outHeight = p.outHeight, outWidth = p.outWidth, groups = p.groups;
  const splits = splitsOf(batch);
  const s0 = shareStart(splits, part, parts), s1 = shareStart(splits, part + 1, parts);
  if (s0 >= s1) return;
  const cig = inChannels / groups, cog = outChannels / groups;
  const depth = cig * kernelH * kernelW, plane = outHeight * outWidth, size = outChannels * depth;
  const hq = fwdHq(height, kernelH, strideH, padH, outHeight);
  const wq = fwdHq(width, kernelW, strideW, padW, outWidth);
  const ncMax = roundUp(min<i32>(NCW, depth), NR);
  // Workspace: tap offsets | identity columns | packed rows | packed A | packed B | tile | planes.
  const offsets = workspace;
  const cols = offsets + (<usize>depth << 2);
  const rows = cols + (<usize>ncMax << 2);
  const pa = rows + (<usize>KC << 2);
  const pb = pa + (<usize>(roundUp(cog, MR) * KC) << 2);
  const tile = pb + (<usize>(KC * ncMax) << 2);
  const planes = tile + TILE_BYTES;
  const groupPlanes = <usize>(cig * strideH * strideW * hq * wq) << 2;
  tapOffsets(offsets, cig, kernelH, kernelW, strideH, strideW, hq, wq);
  for (let t = 0; t < ncMax; t++) store<i32>(cols + (<usize>t << 2), t);
  packedRows(rows, KC);

  const kBlocks = blocksOf(plane, KC);
  for (let s = s0; s < s1; s++) {
    const sum = partials + (<usize>s * size << 2);
    memory.fill(sum, 0, <usize>size << 2);
    for (let n = blockStart(batch, splits, s); n < blockStart(batch, splits, s + 1); n++) {
      padPhases(x + (<usize>(n * inChannels * height * width) << 2), inChannels, height, width,
        strideH, strideW, padH, padW, hq, wq, kernelH, kernelW, planes, true);
      for (let g = 0; g < groups; g++) {
        const gyGroup = gy + (<usize>((n * outChannels + g * cog) * plane) << 2);
        const out = sum + (<usize>(g * cog * depth) << 2);
        for (let kb = 0; kb < kBlocks; kb++) {
          const p0 = blockStart(plane, kBlocks, kb), kc = blockStart(plane, kBlocks, kb + 1) - p0;
          packA(gyGroup + (<usize>p0 << 2), plane, 1, cog, kc, pa);
          for (let jc = 0; jc < depth; jc += NCW) {
            const nc = min<i32>(NCW, depth - jc);
            packTaps(planes + <usize>g * groupPlanes, offsets + (<usize>jc << 2), nc, p0, kc, outWidth, wq, pb);
            macroKernel(pa, cog, pb, <usize>(kc * NR) << 2, rows, kc, nc,
              out + (<usize>jc << 2), depth, cols, true, tile);
          }
        }
      }
    }
  }
}

/**
 * gw[i] = Σ_s partials[s·size + i] over `splits` partials in split order (splits:
 * conv2dBackwardWeightSplits(batch)); a part takes a share of i. gw, partials: byte pointers;
 * size: elements of gw.
 */
export function conv2dBackwardWeightReduce(params: Conv2dBackwardWeightReduceParams, part: i32, parts: i32): void {
  const gw = params.gw, partials = params.partials, size = params.size, splits = params.splits;
  const i0 = quadShareStart(size, part, parts), i1 = quadShareStart(size, part + 1, parts);
  const stride = <usize>size << 2;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    let p = partials + (<usize>i << 2);
    let acc = v128.load(p);
    for (let s = 1; s < splits; s++) { p += stride; acc = f32x4.add(acc, v128.load(p)); }
    v128.store(gw + (<usize>i << 2), acc);
  }
  for (; i < i1; i++) {
    let p = partials + (<usize>i << 2);
    let acc = load<f32>(p);
    for (let s = 1; s < splits; s++) { p += stride; acc += load<f32>(p); }
    store<f32>(gw + (<usize>i << 2), acc);
  }
}
