// Winograd convolution F(2×2, 3×3) for 3×3 convolutions of stride 1 and padding 1 (groups 1),
// the twin of shaders/conv2d_winograd.wgsl: forward, input gradient and weight gradient.
//
// Outputs are cut into 2×2 tiles, each computed from a 4×4 input patch (patches overlap by 2):
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// so per tile and channel pair 16 products replace the direct convolution's 36 (2.25× fewer).
// Summed over input channels, the element-wise products of the 16 positions ξ of the 4×4 are
// 16 GEMMs U[ξ] (Cout × Cin) · V[ξ] (Cin × tiles) = M[ξ] (Cout × tiles), run on gemm.ts's
// micro-kernel; the transforms around them are additions only (their constants are 0, ±1 and
// ±1/2), vectorised four tiles at a time. F(4×4, 3×3) does 2.25 products per output instead
// of 4, but its larger constants (up to 8 and 1/24) cost 6 to 16 times F(2×2)'s largest float
// error: in float32 it misses the tests' usual tolerance (rtol 1e-4, atol 1e-5) at 16 channels
// and more, where F(2×2) is no less accurate than the direct sum (the figures are in the README's
// Benchmarks section).
//
// The input gradient of such a convolution is the same convolution of gy with the filters
// flipped and transposed, so it runs on the forward path. The weight gradient is
//   ∂L/∂g = Σ_tiles Gᵀ [ (A dY Aᵀ) ⊙ (Bᵀ d B) ] G,
// 16 GEMMs Z[ξ] (Cout × tiles) · V[ξ]ᵀ (tiles × Cin), summed per fixed split of the batch into
// partials that are added in split order and transformed back to 3×3 once (so, as in conv2d.ts,
// every pass is bit-identical for any thread count).
//
// Tiles are numbered image by image, tile row by tile row; a chunk is a run of whole tile
// rows (possibly across images) whose transformed data V and M stay in the L2 cache.
// V[ξ][c][t] and M[ξ][o][t] are row-major with rows of `tstride` floats, so each GEMM reads B
// rows straight from V (no packing) and writes M rows directly.
//
// Pointers are byte addresses in linear memory; sizes and counts are in elements.
import { quadShareStart, shareStart } from './common';
import { padPhases } from './conv2d_common';
import {
  Conv2dWinogradBackwardInputParams, Conv2dWinogradBackwardInputWorkspaceBytesParams, Conv2dWinogradBackwardWeightParams,
  Conv2dWinogradBackwardWeightPartialsBytesParams, Conv2dWinogradBackwardWeightReduceParams,
  Conv2dWinogradBackwardWeightWorkspaceBytesParams,
  Conv2dWinogradParams, Conv2dWinogradWorkspaceBytesParams,
} from './generated';
import { blocksOf, blockStart, KC, macroKernel, MR, NR, packA, packB, packedRows, roundUp, TILE_BYTES } from './gemm';

/** Positions ξ of a transformed 4×4 tile. */
const XI: i32 = 16;
/** Bytes of V and M together in one chunk of the forward pass (half the L2 of a Zen 4 core). */
const CHUNK_BYTES: i32 = 512 * 1024;
/**
 * Bytes of V and Z in one chunk of the weight gradient: at the step's shapes 1 MiB ran 1.1–1.4×
 * faster than 4 MiB (whose transformed tiles went out to L3 and back) and no slower than 512 KiB.
 */
const GRAD_CHUNK_BYTES: i32 = 1024 * 1024;
/**
 * Depth blocks of the weight gradient's GEMMs: each block is summed in registers and then added
 * to the sums, so no float is the sum of more than 64 products in a row (in blocks of up to 320
 * tiles its largest error, over 2 images of 32 channels at 28², was 2.6 times the direct path's).
 */
const GRAD_DEPTH: i32 = 64;
/** Most splits of the weight gradient's batch (as conv2d.ts: the same partials and reduce). */
const MAX_SPLITS: i32 = 16;
/** Slack floats after a padded plane: the last tile group of a row reads up to 9 floats past its tiles. */
const SLACK: i32 = 16;

@inline function tilesOf(size: i32): i32 { return (size + 1) >> 1; }

/** Tiles (columns of V and M) per chunk: whole tile rows, about `budget` bytes for `channels` channels' V and M. */
function chunkRows(tw: i32, channels: i32, budget: i32, most: i32): i32 {
  const tiles = budget / (XI * 4 * channels);
  return max<i32>(1, min<i32>(most, tiles / tw));
}

/** Row stride of V and M: the chunk's tiles rounded up to whole micro-kernel panels, with room for four-wide stores past the end. */
@inline function tileStride(tiles: i32): i32 { return roundUp(tiles + 4, NR) + NR; }

// ---- Transforms ------------------------------------------------------------------------------

/** Stores [x, ½(x + y + z), ½(x − y + z), z] at four positions ξ, `plane` bytes apart; returns the fifth. */
@inline function filterRow(at: usize, plane: usize, x: f32, y: f32, z: f32): usize {
  const half: f32 = 0.5;
  store<f32>(at, x);
  store<f32>(at + plane, half * (x + y + z));
  store<f32>(at + 2 * plane, half * (x - y + z));
  store<f32>(at + 3 * plane, z);
  return at + 4 * plane;
}

/**
 * dst[ξ][r][c] = (G g Gᵀ)[ξ] for the 3×3 filter g of output channel r and input channel c:
 * g = w[r][c] (w: rows × cols × 3 × 3), or with `flip` the input gradient's filter
 * w[c][r] rotated by 180° (w: cols × rows × 3 × 3). G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
 */
function transformFilters(w: usize, rows: i32, cols: i32, flip: bool, dst: usize): void {
  const plane = <usize>(rows * cols) << 2;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const src = w + (<usize>((flip ? c * rows + r : r * cols + c) * 9) << 2);
      // g[i][j], with the flip applied.
      let g00: f32, g01: f32, g02: f32, g10: f32, g11: f32, g12: f32, g20: f32, g21: f32, g22: f32;
      if (flip) {
        g00 = load<f32>(src, 32); g01 = load<f32>(src, 28); g02 = load<f32>(src, 24);
        g10 = load<f32>(src, 20); g11 = load<f32>(src, 16); g12 = load<f32>(src, 12);
        g20 = load<f32>(src, 8); g21 = load<f32>(src, 4); g22 = load<f32>(src, 0);
      } else {
        g00 = load<f32>(src, 0); g01 = load<f32>(src, 4); g02 = load<f32>(src, 8);
        g10 = load<f32>(src, 12); g11 = load<f32>(src, 16); g12 = load<f32>(src, 20);
        g20 = load<f32>(src, 24); g21 = load<f32>(src, 28); g22 = load<f32>(src, 32);
      }
      // G g: four rows of three.
      const a0 = g00, a1 = g01, a2 = g02;
      const half: f32 = 0.5;
      const b0 = half * (g00 + g10 + g20), b1 = half * (g01 + g11 + g21), b2 = half * (g02 + g12 + g22);
      const c0 = half * (g00 - g10 + g20), c1 = half * (g01 - g11 + g21), c2 = half * (g02 - g12 + g22);
      const d0 = g20, d1 = g21, d2 = g22;
      // (G g) Gᵀ, row by row.
      let at = dst + (<usize>(r * cols + c) << 2);
      at = filterRow(at, plane, a0, a1, a2);
      at = filterRow(at, plane, b0, b1, b2);
      at = filterRow(at, plane, c0, c1, c2);
      filterRow(at, plane, d0, d1, d2);
    }
  }
}

/** The even and odd lanes of the eight floats at p: (p[0], p[2], p[4], p[6]) and (p[1], p[3], p[5], p[7]). */
@inline function evens(p: usize): v128 { return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6); }
@inline function odds(p: usize): v128 { return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 1, 3, 5, 7); }

/**
 * V[ξ][c][t0 + tx] = (Bᵀ d B)[ξ] for the tiles tx < tw of tile row ty and every channel c,
 * d the 4×4 patch at rows 2ty…2ty+3 and columns 2tx…2tx+3 of the padded planes (hp × wp each).
 * Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. Four tiles at a time; the lanes past tw write
 * into columns t0 + tw… that the next tile row (or nothing) overwrites.
 */
function transformInputRow(
  planes: usize, channels: i32, hp: i32, wp: i32, ty: i32, tw: i32, v: usize, tstride: i32, t0: i32,
): void {
  const rowBytes = <usize>wp << 2;
  const xiBytes = <usize>(channels * tstride) << 2;
  for (let c = 0; c < channels; c++) {
    const row0 = planes + (<usize>((c * hp + 2 * ty) * wp) << 2);
    const out = v + (<usize>(c * tstride + t0) << 2);
    for (let tx = 0; tx < tw; tx += 4) {
      // Row pass over the four patch rows (columns 2tx…, four tiles in the lanes), then Bᵀ down the columns.
      let p = row0 + (<usize>(2 * tx) << 2);
      let e = evens(p), o = odds(p), e2 = evens(p + 8), o2 = odds(p + 8);
      const h00 = f32x4.sub(e, e2), h01 = f32x4.add(o, e2), h02 = f32x4.sub(e2, o), h03 = f32x4.sub(o, o2);
      p += rowBytes;
      e = evens(p); o = odds(p); e2 = evens(p + 8); o2 = odds(p + 8);
      const h10 = f32x4.sub(e, e2), h11 = f32x4.add(o, e2), h12 = f32x4.sub(e2, o), h13 = f32x4.sub(o, o2);
      p += rowBytes;
      e = evens(p); o = odds(p); e2 = evens(p + 8); o2 = odds(p + 8);
      const h20 = f32x4.sub(e, e2), h21 = f32x4.add(o, e2), h22 = f32x4.sub(e2, o), h23 = f32x4.sub(o, o2);
      let q = out + (<usize>tx << 2);
      v128.store(q, f32x4.sub(h00, h20)); q += xiBytes;
      v128.store(q, f32x4.sub(h01, h21)); q += xiBytes;
      v128.store(q, f32x4.sub(h02, h22)); q += xiBytes;
      v128.store(q, f32x4.sub(h03, h23)); q += xiBytes;
      v128.store(q, f32x4.add(h10, h20)); q += xiBytes;
      v128.store(q, f32x4.add(h11, h21)); q += xiBytes;
      v128.store(q, f32x4.add(h12, h22)); q += xiBytes;
      v128.store(q, f32x4.add(h13, h23)); q += xiBytes;
      v128.store(q, f32x4.sub(h20, h10)); q += xiBytes;
      v128.store(q, f32x4.sub(h21, h11)); q += xiBytes;
      v128.store(q, f32x4.sub(h22, h12)); q += xiBytes;
      v128.store(q, f32x4.sub(h23, h13)); q += xiBytes;
      p += rowBytes;
      e = evens(p); o = odds(p); e2 = evens(p + 8); o2 = odds(p + 8);
      v128.store(q, f32x4.sub(h10, f32x4.sub(e, e2))); q += xiBytes;
      v128.store(q, f32x4.sub(h11, f32x4.add(o, e2))); q += xiBytes;
      v128.store(q, f32x4.sub(h12, f32x4.sub(e2, o))); q += xiBytes;
      v128.store(q, f32x4.sub(h13, f32x4.sub(o, o2)));
    }
  }
}

/**
 * y rows 2ty, 2ty+1 (those < height) of every channel o = (Aᵀ M A) of the tiles tx < tw of
 * the tile row, M[ξ][o][t0 + tx]; Aᵀ = [1 1 1 0; 0 1 −1 −1]. y: one image's channels × height × width.
 */
function transformOutputRow(
  m: usize, channels: i32, tstride: i32, t0: i32, tw: i32, ty: i32, y: usize, height: i32, width: i32, tile: usize,
): void {
  const xiBytes = <usize>(channels * tstride) << 2;
  const rowBytes = <usize>width << 2;
  const second = 2 * ty + 1 < height;
  for (let o = 0; o < channels; o++) {
    const src = m + (<usize>(o * tstride + t0) << 2);
    const row0 = y + (<usize>((o * height + 2 * ty) * width) << 2);
    for (let tx = 0; tx < tw; tx += 4) {
      let p = src + (<usize>tx << 2);
      // Aᵀ down the columns: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 (column j of the tile in sj).
      const m00 = v128.load(p), m01 = v128.load(p + xiBytes), m02 = v128.load(p + 2 * xiBytes), m03 = v128.load(p + 3 * xiBytes);
      p += 4 * xiBytes;
      const m10 = v128.load(p), m11 = v128.load(p + xiBytes), m12 = v128.load(p + 2 * xiBytes), m13 = v128.load(p + 3 * xiBytes);
      p += 4 * xiBytes;
      const m20 = v128.load(p), m21 = v128.load(p + xiBytes), m22 = v128.load(p + 2 * xiBytes), m23 = v128.load(p + 3 * xiBytes);
      p += 4 * xiBytes;
      const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
      const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
      const s10 = f32x4.sub(f32x4.sub(m10, m20), v128.load(p)), s11 = f32x4.sub(f32x4.sub(m11, m21), v128.load(p + xiBytes));
      const s12 = f32x4.sub(f32x4.sub(m12, m22), v128.load(p + 2 * xiBytes));
      const s13 = f32x4.sub(f32x4.sub(m13, m23), v128.load(p + 3 * xiBytes));
      // Aᵀ along the rows.
      const y00 = f32x4.add(f32x4.add(s00, s01), s02), y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
      const y10 = f32x4.add(f32x4.add(s10, s11), s12), y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
      // Interleaved, the four tiles' two columns are eight consecutive outputs of each row.
      const lo0 = v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), hi0 = v128.shuffle<f32>(y00, y01, 2, 6, 3, 7);
      const lo1 = v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), hi1 = v128.shuffle<f32>(y10, y11, 2, 6, 3, 7);
      const at = row0 + (<usize>(2 * tx) << 2);
      const valid = width - 2 * tx;
      if (valid >= 8) {
        v128.store(at, lo0); v128.store(at, hi0, 16);
        if (second) { v128.store(at + rowBytes, lo1); v128.store(at + rowBytes, hi1, 16); }
      } else {
        v128.store(tile, lo0); v128.store(tile, hi0, 16); v128.store(tile, lo1, 32); v128.store(tile, hi1, 48);
        for (let i = 0; i < valid; i++) store<f32>(at + (<usize>i << 2), load<f32>(tile + (<usize>i << 2)));
        if (second) for (let i = 0; i < valid; i++) store<f32>(at + rowBytes + (<usize>i << 2), load<f32>(tile + (<usize>(8 + i) << 2)));
      }
    }
  }
}

/** Stores [e, e + o, e − o, −o] at four positions ξ, `xiBytes` apart; returns the fifth. */
@inline function gradRow(q: usize, xiBytes: usize, e: v128, o: v128): usize {
  v128.store(q, e);
  v128.store(q + xiBytes, f32x4.add(e, o));
  v128.store(q + 2 * xiBytes, f32x4.sub(e, o));
  v128.store(q + 3 * xiBytes, f32x4.neg(o));
  return q + 4 * xiBytes;
}

/**
 * Z[ξ][o][t0 + tx] = (A dY Aᵀ)[ξ] for the tiles tx < tw of tile row ty, dY the 2×2 block at
 * rows 2ty, 2ty+1 and columns 2tx, 2tx+1 of the gy planes (hg × wg each, zeros past the
 * output); A = [1 0; 1 1; 1 −1; 0 −1].
 */
function transformGradRow(planes: usize, channels: i32, hg: i32, wg: i32, ty: i32, tw: i32, z: usize, tstride: i32, t0: i32): void {
  const rowBytes = <usize>wg << 2;
  const xiBytes = <usize>(channels * tstride) << 2;
  for (let o = 0; o < channels; o++) {
    const row0 = planes + (<usize>((o * hg + 2 * ty) * wg) << 2);
    const out = z + (<usize>(o * tstride + t0) << 2);
    for (let tx = 0; tx < tw; tx += 4) {
      const p = row0 + (<usize>(2 * tx) << 2);
      // A dY: rows [d0, d0 + d1, d0 − d1, −d1], each of columns e (even) and o (odd).
      const e0 = evens(p), o0 = odds(p), e1 = evens(p + rowBytes), o1 = odds(p + rowBytes);
      const re1 = f32x4.add(e0, e1), ro1 = f32x4.add(o0, o1);
      const re2 = f32x4.sub(e0, e1), ro2 = f32x4.sub(o0, o1);
      const re3 = f32x4.neg(e1), ro3 = f32x4.neg(o1);
      // … Aᵀ along each row.
      let q = out + (<usize>tx << 2);
      q = gradRow(q, xiBytes, e0, o0);
      q = gradRow(q, xiBytes, re1, ro1);
      q = gradRow(q, xiBytes, re2, ro2);
      gradRow(q, xiBytes, re3, ro3);
    }
  }
}

// ---- Forward and input gradient -------------------------------------------------------------

// No objects here (the stub runtime never frees one, and every thread's instance would allocate
// at the same addresses of the shared memory): each kernel derives its layout from the geometry.

/** Tile rows per chunk of the forward pass, `channels` = Cin + Cout. */
@inline function forwardRows(tw: i32, channels: i32): i32 { return chunkRows(tw, channels, CHUNK_BYTES, 1 << 20); }

/**
 * Per-part workspace bytes of the forward path (in `cin` channels, out `cout`): packed U |
 * U | row table | column table | V | M | padded planes | tile.
 */
function forwardBytes(cin: i32, cout: i32, height: i32, width: i32): i32 {
  const tw = tilesOf(width), hp = 2 * tilesOf(height) + 2, wp = 2 * tw + 2;
  const tstride = tileStride(forwardRows(tw, cin + cout) * tw);
  const floats = XI * roundUp(cout, MR) * cin + XI * cout * cin + cin + tstride + XI * (cin + cout) * tstride + cin * hp * wp + SLACK;
  return floats * 4 + TILE_BYTES + 64;
}

/**
 * out (images n0…n1−1, `cout` channels) = the 3×3 convolution (stride 1, padding 1) of x
 * (`cin` channels) with filters w, transposed and flipped if `flip` (the input gradient).
 */
function winograd(
  x: usize, w: usize, out: usize, cin: i32, cout: i32, height: i32, width: i32, flip: bool, n0: i32, n1: i32, workspace: usize,
): void {
  const th = tilesOf(height), tw = tilesOf(width), hp = 2 * th + 2, wp = 2 * tw + 2;
  const chunk = forwardRows(tw, cin + cout), tstride = tileStride(chunk * tw);
  const rowsPadded = roundUp(cout, MR);
  const packed = workspace;
  const filters = packed + (<usize>(XI * rowsPadded * cin) << 2);
  const rowTable = filters + (<usize>(XI * cout * cin) << 2);
  const cols = rowTable + (<usize>cin << 2);
  const v = cols + (<usize>tstride << 2);
  const m = v + (<usize>(XI * cin * tstride) << 2);
  const planes = m + (<usize>(XI * cout * tstride) << 2);
  const tile = planes + (<usize>(cin * hp * wp + SLACK) << 2);
  memory.fill(planes + (<usize>(cin * hp * wp) << 2), 0, <usize>SLACK << 2);

  transformFilters(w, cout, cin, flip, filters);
  const kBlocks = blocksOf(cin, KC);
  for (let xi = 0; xi < XI; xi++) {
    for (let kb = 0; kb < kBlocks; kb++) {
      const k0 = blockStart(cin, kBlocks, kb), kc = blockStart(cin, kBlocks, kb + 1) - k0;
      packA(filters + (<usize>(xi * cout * cin + k0) << 2), cin, 1, cout, kc,
        packed + (<usize>(rowsPadded * (xi * cin + k0)) << 2));
    }
  }
  for (let k = 0; k < cin; k++) store<i32>(rowTable + (<usize>k << 2), k * tstride * 4);
  for (let t = 0; t < tstride; t++) store<i32>(cols + (<usize>t << 2), t);

  const inImage = <usize>(cin * height * width) << 2, outImage = <usize>(cout * height * width) << 2;
  const total = (n1 - n0) * th;
  let padded = -1;
  for (let r0 = 0; r0 < total; r0 += chunk) {
    const r1 = min<i32>(total, r0 + chunk);
    for (let r = r0; r < r1; r++) {
      const n = n0 + r / th;
      if (n != padded) {
        padPhases(x + <usize>n * inImage, cin, height, width, 1, 1, 1, 1, hp, wp, 3, 3, planes, true);
        padded = n;
      }
      transformInputRow(planes, cin, hp, wp, r % th, tw, v, tstride, (r - r0) * tw);
    }
    const tiles = (r1 - r0) * tw;
    for (let xi = 0; xi < XI; xi++) {
      for (let kb = 0; kb < kBlocks; kb++) {
        const k0 = blockStart(cin, kBlocks, kb), kc = blockStart(cin, kBlocks, kb + 1) - k0;
        macroKernel(packed + (<usize>(rowsPadded * (xi * cin + k0)) << 2), cout,
          v + (<usize>(xi * cin * tstride) << 2), NR * 4, rowTable + (<usize>k0 << 2), kc, tiles,
          m + (<usize>(xi * cout * tstride) << 2), tstride, cols, kb > 0, tile);
      }
    }
    for (let r = r0; r < r1; r++) {
      const n = n0 + r / th;
      transformOutputRow(m, cout, tstride, (r - r0) * tw, tw, r % th, out + <usize>n * outImage, height, width, tile);
    }
  }
}

/** winograd() over part `part`'s share of the images (a part with none returns at once). */
function byImages(
  x: usize, w: usize, out: usize, batch: i32, cin: i32, cout: i32, height: i32, width: i32, flip: bool, workspace: usize,
  part: i32, parts: i32,
): void {
  const n0 = shareStart(batch, part, parts), n1 = shareStart(batch, part + 1, parts);
  if (n0 < n1) winograd(x, w, out, cin, cout, height, width, flip, n0, n1, workspace);
}

/** Per-part scratch bytes of conv2dWinograd. */
export function conv2dWinogradWorkspaceBytes(p: Conv2dWinogradWorkspaceBytesParams): i32 {
  return forwardBytes(p.inChannels, p.outChannels, p.height, p.width);
}

/**
 * y = conv(x, w) for a 3×3 filter, stride 1, padding 1, groups 1, by F(2×2, 3×3). A part takes
 * a share of the images. x, w, out, workspace: byte pointers; workspace: conv2dWinogradWorkspaceBytes.
 */
export function conv2dWinograd(p: Conv2dWinogradParams, part: i32, parts: i32): void {
  const workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  byImages(p.x, p.w, p.out, p.batch, p.inChannels, p.outChannels, p.height, p.width, false, workspace, part, parts);
}

/** Per-part scratch bytes of conv2dWinogradBackwardInput (the forward's, in and out channels swapped). */
export function conv2dWinogradBackwardInputWorkspaceBytes(p: Conv2dWinogradBackwardInputWorkspaceBytesParams): i32 {
  return forwardBytes(p.outChannels, p.inChannels, p.height, p.width);
}

/**
 * gx = the 3×3 convolution (stride 1, padding 1) of gy with the filters transposed and rotated
 * by 180°, by F(2×2, 3×3). A part takes a share of the images. gy, w, gx, workspace: byte
 * pointers; workspace: conv2dWinogradBackwardInputWorkspaceBytes.
 */
export function conv2dWinogradBackwardInput(p: Conv2dWinogradBackwardInputParams, part: i32, parts: i32): void {
  const workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  byImages(p.gy, p.w, p.gx, p.batch, p.outChannels, p.inChannels, p.height, p.width, true, workspace, part, parts);
}

// ---- Weight gradient -------------------------------------------------------------------------

@inline function splitsOf(batch: i32): i32 {
  return max<i32>(1, min<i32>(batch, MAX_SPLITS));
}

/** Tile rows per chunk of the weight gradient, `channels` = Cin + Cout. */
@inline function gradRows(tw: i32, channels: i32): i32 { return chunkRows(tw, channels, GRAD_CHUNK_BYTES, 1 << 20); }

/** Floats of the weight gradient's packed A and B, row and column tables. */
@inline function packFloats(cin: i32, cout: i32): i32 {
  return roundUp(cout, MR) * GRAD_DEPTH + GRAD_DEPTH * roundUp(cin, NR) + GRAD_DEPTH + roundUp(cin, NR);
}

/** Per-part scratch bytes of conv2dWinogradBackwardWeight. */
export function conv2dWinogradBackwardWeightWorkspaceBytes(p: Conv2dWinogradBackwardWeightWorkspaceBytesParams): i32 {
  const cin = p.inChannels, cout = p.outChannels, th = tilesOf(p.height), tw = tilesOf(p.width);
  const tstride = tileStride(gradRows(tw, cin + cout) * tw);
  // V | Z | x planes | gy planes | packed A, B, row and column tables | tile.
  const floats = XI * (cin + cout) * tstride + cin * (2 * th + 2) * (2 * tw + 2) + SLACK + cout * (2 * th) * (2 * tw) + SLACK
    + packFloats(cin, cout);
  return floats * 4 + TILE_BYTES + 64;
}

/** Shared bytes of the weight gradient's partial sums: splits × 16 × Cout × Cin, in the transformed domain. */
export function conv2dWinogradBackwardWeightPartialsBytes(p: Conv2dWinogradBackwardWeightPartialsBytesParams): i32 {
  return splitsOf(p.batch) * XI * p.outChannels * p.inChannels * 4 + 16;
}

/**
 * Partial sums of GW[ξ] = Σ Z[ξ] · V[ξ]ᵀ, one per batch split (partials[s][ξ][o][c]; a part
 * takes a share of the splits); conv2dWinogradBackwardWeightReduce adds them in split order
 * and transforms the sum back into gw. x, gy, partials, workspace: byte pointers; workspace:
 * conv2dWinogradBackwardWeightWorkspaceBytes; gw is not written here.
 */
export function conv2dWinogradBackwardWeight(p: Conv2dWinogradBackwardWeightParams, part: i32, parts: i32): void {
  const batch = p.batch, splits = splitsOf(batch);
  const s0 = shareStart(splits, part, parts), s1 = shareStart(splits, part + 1, parts);
  if (s0 >= s1) return;
  const cin = p.inChannels, cout = p.outChannels, height = p.height, width = p.width;
  const th = tilesOf(height), tw = tilesOf(width), hp = 2 * th + 2, wp = 2 * tw + 2, hg = 2 * th, wg = 2 * tw;
  const chunk = gradRows(tw, cin + cout), tstride = tileStride(chunk * tw);
  const v = p.workspace + <usize>part * <usize>p.workspaceStride;
  const z = v + (<usize>(XI * cin * tstride) << 2);
  const planes = z + (<usize>(XI * cout * tstride) << 2);
  const grads = planes + (<usize>(cin * hp * wp + SLACK) << 2);
  memory.fill(planes + (<usize>(cin * hp * wp) << 2), 0, <usize>SLACK << 2);
  memory.fill(grads + (<usize>(cout * hg * wg) << 2), 0, <usize>SLACK << 2);
  const pa = grads + (<usize>(cout * hg * wg + SLACK) << 2);
  const pb = pa + (<usize>(roundUp(cout, MR) * GRAD_DEPTH) << 2);
  const rowTable = pb + (<usize>(GRAD_DEPTH * roundUp(cin, NR)) << 2);
  const cols = rowTable + (<usize>GRAD_DEPTH << 2);
  const tile = cols + (<usize>roundUp(cin, NR) << 2);
  packedRows(rowTable, GRAD_DEPTH);
  for (let t = 0; t < roundUp(cin, NR); t++) store<i32>(cols + (<usize>t << 2), t);

  const inImage = <usize>(cin * height * width) << 2, outImage = <usize>(cout * height * width) << 2;
  const xiSum = <usize>(cout * cin) << 2;
  for (let s = s0; s < s1; s++) {
    const sum = p.partials + <usize>s * XI * xiSum;
    const first = blockStart(batch, splits, s), total = (blockStart(batch, splits, s + 1) - first) * th;
    let padded = -1;
    for (let r0 = 0; r0 < total; r0 += chunk) {
      const r1 = min<i32>(total, r0 + chunk);
      for (let r = r0; r < r1; r++) {
        const n = first + r / th;
        if (n != padded) {
          padPhases(p.x + <usize>n * inImage, cin, height, width, 1, 1, 1, 1, hp, wp, 3, 3, planes, true);
          padPhases(p.gy + <usize>n * outImage, cout, height, width, 1, 1, 0, 0, hg, wg, 1, 1, grads, true);
          padded = n;
        }
        transformInputRow(planes, cin, hp, wp, r % th, tw, v, tstride, (r - r0) * tw);
        transformGradRow(grads, cout, hg, wg, r % th, tw, z, tstride, (r - r0) * tw);
      }
      const tiles = (r1 - r0) * tw, kBlocks = blocksOf(tiles, GRAD_DEPTH);
      for (let xi = 0; xi < XI; xi++) {
        // GW[ξ] (cout × cin) += Z[ξ] (cout × tiles) · V[ξ]ᵀ (tiles × cin).
        const zx = z + (<usize>(xi * cout * tstride) << 2), vx = v + (<usize>(xi * cin * tstride) << 2);
        for (let kb = 0; kb < kBlocks; kb++) {
          const k0 = blockStart(tiles, kBlocks, kb), kc = blockStart(tiles, kBlocks, kb + 1) - k0;
          packA(zx + (<usize>k0 << 2), tstride, 1, cout, kc, pa);
          packB(vx + (<usize>k0 << 2), 1, tstride, kc, cin, pb);
          macroKernel(pa, cout, pb, <usize>(kc * NR) << 2, rowTable, kc, cin, sum + <usize>xi * xiSum, cin, cols, r0 > 0 || kb > 0, tile);
        }
      }
    }
  }
}

/** The transpose of the 4×4 block whose rows are a, b, c, d: returns row `k` of it (k constant). */
@inline function column(a: v128, b: v128, c: v128, d: v128, k: i32): v128 {
  const ab = k < 2 ? v128.shuffle<f32>(a, b, 0, 4, 1, 5) : v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const cd = k < 2 ? v128.shuffle<f32>(c, d, 0, 4, 1, 5) : v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  return k % 2 == 0 ? v128.shuffle<f32>(ab, cd, 0, 1, 4, 5) : v128.shuffle<f32>(ab, cd, 2, 3, 6, 7);
}

/**
 * gw[i][3×3] = Gᵀ X G for X[ξ] = Σ_s partials[s][ξ][i] (summed in split order) and every
 * filter i = o·Cin + c of a part's share, Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]. Four filters at
 * a time, one per lane; their 4 × 9 outputs are 36 consecutive floats.
 */
export function conv2dWinogradBackwardWeightReduce(p: Conv2dWinogradBackwardWeightReduceParams, part: i32, parts: i32): void {
  const filters = p.filters, splits = p.splits;
  const i0 = quadShareStart(filters, part, parts), i1 = quadShareStart(filters, part + 1, parts);
  const xiBytes = <usize>filters << 2, splitBytes = <usize>XI * xiBytes;
  const h = f32x4.splat(0.5);
  for (let i = i0; i < i1; i += 4) {
    const at = p.partials + (<usize>i << 2);
    // x[ξ]: the sums over splits, lanes = filters i … i+3 (past the end, other values; not stored).
    let x0 = v128.load(at), x1 = v128.load(at + xiBytes), x2 = v128.load(at + 2 * xiBytes), x3 = v128.load(at + 3 * xiBytes);
    let x4 = v128.load(at + 4 * xiBytes), x5 = v128.load(at + 5 * xiBytes);
    let x6 = v128.load(at + 6 * xiBytes), x7 = v128.load(at + 7 * xiBytes);
    let x8 = v128.load(at + 8 * xiBytes), x9 = v128.load(at + 9 * xiBytes), x10 = v128.load(at + 10 * xiBytes);
    let x11 = v128.load(at + 11 * xiBytes), x12 = v128.load(at + 12 * xiBytes), x13 = v128.load(at + 13 * xiBytes);
    let x14 = v128.load(at + 14 * xiBytes), x15 = v128.load(at + 15 * xiBytes);
    for (let s = 1; s < splits; s++) {
      const q = at + <usize>s * splitBytes;
      x0 = f32x4.add(x0, v128.load(q)); x1 = f32x4.add(x1, v128.load(q + xiBytes));
      x2 = f32x4.add(x2, v128.load(q + 2 * xiBytes)); x3 = f32x4.add(x3, v128.load(q + 3 * xiBytes));
      x4 = f32x4.add(x4, v128.load(q + 4 * xiBytes)); x5 = f32x4.add(x5, v128.load(q + 5 * xiBytes));
      x6 = f32x4.add(x6, v128.load(q + 6 * xiBytes)); x7 = f32x4.add(x7, v128.load(q + 7 * xiBytes));
      x8 = f32x4.add(x8, v128.load(q + 8 * xiBytes)); x9 = f32x4.add(x9, v128.load(q + 9 * xiBytes));
      x10 = f32x4.add(x10, v128.load(q + 10 * xiBytes)); x11 = f32x4.add(x11, v128.load(q + 11 * xiBytes));
      x12 = f32x4.add(x12, v128.load(q + 12 * xiBytes)); x13 = f32x4.add(x13, v128.load(q + 13 * xiBytes));
      x14 = f32x4.add(x14, v128.load(q + 14 * xiBytes)); x15 = f32x4.add(x15, v128.load(q + 15 * xiBytes));
    }
    // Gᵀ X: three rows of four (row r of X is x[4r … 4r+3]) …
    const m0 = f32x4.add(x4, x8), m1 = f32x4.add(x5, x9), m2 = f32x4.add(x6, x10), m3 = f32x4.add(x7, x11);
    const a0 = f32x4.add(x0, f32x4.mul(h, m0)), a1 = f32x4.add(x1, f32x4.mul(h, m1));
    const a2 = f32x4.add(x2, f32x4.mul(h, m2)), a3 = f32x4.add(x3, f32x4.mul(h, m3));
    const b0 = f32x4.mul(h, f32x4.sub(x4, x8)), b1 = f32x4.mul(h, f32x4.sub(x5, x9));
    const b2 = f32x4.mul(h, f32x4.sub(x6, x10)), b3 = f32x4.mul(h, f32x4.sub(x7, x11));
    const c0 = f32x4.add(f32x4.mul(h, m0), x12), c1 = f32x4.add(f32x4.mul(h, m1), x13);
    const c2 = f32x4.add(f32x4.mul(h, m2), x14), c3 = f32x4.add(f32x4.mul(h, m3), x15);
    // … then G along each row: [y0 + ½(y1 + y2), ½(y1 − y2), ½(y1 + y2) + y3].
    const g0 = f32x4.add(a0, f32x4.mul(h, f32x4.add(a1, a2))), g1 = f32x4.mul(h, f32x4.sub(a1, a2));
    const g2 = f32x4.add(f32x4.mul(h, f32x4.add(a1, a2)), a3);
    const g3 = f32x4.add(b0, f32x4.mul(h, f32x4.add(b1, b2))), g4 = f32x4.mul(h, f32x4.sub(b1, b2));
    const g5 = f32x4.add(f32x4.mul(h, f32x4.add(b1, b2)), b3);
    const g6 = f32x4.add(c0, f32x4.mul(h, f32x4.add(c1, c2))), g7 = f32x4.mul(h, f32x4.sub(c1, c2));
    const g8 = f32x4.add(f32x4.mul(h, f32x4.add(c1, c2)), c3);
    const out = p.gw + (<usize>(i * 9) << 2), valid = i1 - i;
    v128.store(out, column(g0, g1, g2, g3, 0)); v128.store(out, column(g4, g5, g6, g7, 0), 16);
    store<f32>(out, f32x4.extract_lane(g8, 0), 32);
    if (valid > 1) {
      v128.store(out, column(g0, g1, g2, g3, 1), 36); v128.store(out, column(g4, g5, g6, g7, 1), 52);
      store<f32>(out, f32x4.extract_lane(g8, 1), 68);
    }
    if (valid > 2) {
      v128.store(out, column(g0, g1, g2, g3, 2), 72); v128.store(out, column(g4, g5, g6, g7, 2), 88);
      store<f32>(out, f32x4.extract_lane(g8, 2), 104);
    }
    if (valid > 3) {
      v128.store(out, column(g0, g1, g2, g3, 3), 108); v128.store(out, column(g4, g5, g6, g7, 3), 124);
      store<f32>(out, f32x4.extract_lane(g8, 3), 140);
    }
  }
}
