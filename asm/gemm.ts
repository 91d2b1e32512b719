// The matrix-product core of every heavy kernel (the twin of shaders/gemm.wgsl), Goto/BLIS
// style: A is packed into MR-row panels (k-major), a register micro-kernel keeps an MR×NR
// tile of C in eight f32x4 locals, and B is read one NR-wide row per k through a table of
// row offsets. That table is what lets the users skip packing B where its rows already lie
// contiguously in memory (the padded planes of a convolution); a packed B is just the table
// t·NR·4. C is written through a column-offset table, so a tile's columns may land anywhere
// (image planes, stride phases, a transposed output); −1 marks a column to drop.
//
// Every element of C is the same sequence of f32 operations however the work is cut into
// blocks or parts (k is always summed in the same order, padding lanes are zeros), which is
// why the kernels built on this core give bit-identical results for any thread count.
//
// Pointers are byte addresses in linear memory; sizes, strides and offsets are in f32
// elements unless a name says bytes.
import { madd4 } from './common';

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Depth of a block: an MR×KC panel of A and a KC×NR panel of B stay in L1; a 3×3 convolution over 32 channels (depth 288) is one block. */
export const KC: i32 = 320;
/** Rows of A packed at once (an L2-sized block). */
export const MC: i32 = 128;
/** Columns of B packed at once. */
export const NC: i32 = 2048;

@inline export function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Number of near-equal blocks of at most `block` that cover `size` (so no tiny last block). */
@inline export function blocksOf(size: i32, block: i32): i32 {
  return (size + block - 1) / block;
}

/** Start of block `index` of `blocks` near-equal blocks covering `size`. */
@inline export function blockStart(size: i32, blocks: i32, index: i32): i32 {
  return <i32>((<i64>size * index) / blocks);
}

/**
 * tile(MR×NR at dst, row stride ldd bytes) = or += A panel · B. A panel: kc×MR floats
 * (k-major); B row k: NR floats at b + rows[k] (i32 byte offsets). Register-only loop.
 */
export function microKernel(a: usize, b: usize, rows: usize, kc: i32, dst: usize, ldd: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = rows + (<usize>kc << 2);
  while (rows < end) {
    const bp = b + <usize>load<i32>(rows);
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(a);
    c00 = madd4(s, b0, c00); c01 = madd4(s, b1, c01);
    s = v128.load32_splat(a, 4);
    c10 = madd4(s, b0, c10); c11 = madd4(s, b1, c11);
    s = v128.load32_splat(a, 8);
    c20 = madd4(s, b0, c20); c21 = madd4(s, b1, c21);
    s = v128.load32_splat(a, 12);
    c30 = madd4(s, b0, c30); c31 = madd4(s, b1, c31);
    a += 16;
    rows += 4;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(dst)); c01 = f32x4.add(c01, v128.load(dst, 16)); dst += ldd;
    c10 = f32x4.add(c10, v128.load(dst)); c11 = f32x4.add(c11, v128.load(dst, 16)); dst += ldd;
    c20 = f32x4.add(c20, v128.load(dst)); c21 = f32x4.add(c21, v128.load(dst, 16)); dst += ldd;
    c30 = f32x4.add(c30, v128.load(dst)); c31 = f32x4.add(c31, v128.load(dst, 16));
    dst -= 3 * ldd;
  }
  v128.store(dst, c00); v128.store(dst, c01, 16); dst += ldd;
  v128.store(dst, c10); v128.store(dst, c11, 16); dst += ldd;
  v128.store(dst, c20); v128.store(dst, c21, 16); dst += ldd;
  v128.store(dst, c30); v128.store(dst, c31, 16);
}

/** Bytes of the tile buffer macroKernel needs for partial or scattered tiles. */
export const TILE_BYTES: i32 = MR * NR * 4;

/**
 * C (+)= A block · B block over mc rows and nc columns. a: ceil(mc/MR) packed panels of
 * kc×MR; B column panel p starts at b + p·panelStride bytes and its rows at `rows`; C element
 * (i, j) is c[i·ldc + cols[j]] (cols: nc i32, −1 drops the column). Full tiles whose columns
 * are contiguous go straight to C; the rest pass through `tile`.
 */
export function macroKernel(
  a: usize, mc: i32, b: usize, panelStride: usize, rows: usize, kc: i32, nc: i32,
  c: usize, ldc: i32, cols: usize, accumulate: bool, tile: usize,
): void {
  const rowBytes = <usize>ldc << 2;
  const panelBytes = <usize>(kc * MR) << 2;
  for (let j = 0; j < nc; j += NR) {
    const width = min<i32>(NR, nc - j);
    const colp = cols + (<usize>j << 2);
    const first = load<i32>(colp);
    let direct = width == NR && first >= 0;
    for (let t = 1; direct && t < NR; t++) direct = load<i32>(colp + (<usize>t << 2)) == first + t;
    const bp = b + <usize>(j / NR) * panelStride;
    let ap = a;
    for (let i = 0; i < mc; i += MR) {
      const height = min<i32>(MR, mc - i);
      const crow = c + <usize>i * rowBytes;
      if (direct && height == MR) {
        microKernel(ap, bp, rows, kc, crow + (<usize>first << 2), rowBytes, accumulate);
      } else {
        microKernel(ap, bp, rows, kc, tile, NR * 4, false);
        scatterTile(tile, height, width, crow, rowBytes, colp, accumulate);
      }
      ap += panelBytes;
    }
  }
}

/** Writes the valid height×width corner of a tile through the column table. */
function scatterTile(tile: usize, height: i32, width: i32, c: usize, rowBytes: usize, cols: usize, accumulate: bool): void {
  for (let t = 0; t < width; t++) {
    const col = load<i32>(cols + (<usize>t << 2));
    if (col < 0) continue;
    let dst = c + (<usize>col << 2);
    let src = tile + (<usize>t << 2);
    for (let r = 0; r < height; r++) {
      const v = load<f32>(src);
      store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
      dst += rowBytes;
      src += NR * 4;
    }
  }
}

/**
 * Packs rows×kc of A (element (i, k) at src[i·rs + k·cs]) into ceil(rows/MR) panels of
 * kc×MR at dst, rows past the end as zeros (so edge tiles need no special kernel).
 */
export function packA(src: usize, rs: i32, cs: i32, rows: i32, kc: i32, dst: usize): void {
  const rsb = <usize>rs << 2, csb = <usize>cs << 2;
  for (let i = 0; i < rows; i += MR) {
    const height = min<i32>(MR, rows - i);
    const base = src + <usize>i * rsb;
    if (height == MR && cs == 1) {
      // Four k at a time: a 4×4 transpose of four rows.
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        transpose4(base + (<usize>k << 2), rsb, dst + (<usize>(k * MR) << 2), MR * 4);
      }
      for (; k < kc; k++) {
        const p = base + (<usize>k << 2);
        const d = dst + (<usize>(k * MR) << 2);
        for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(p + <usize>r * rsb));
      }
    } else if (height == MR && rs == 1) {
      // A transposed: each k of the panel is four consecutive floats.
      for (let k = 0; k < kc; k++) v128.store(dst + (<usize>(k * MR) << 2), v128.load(base + <usize>k * csb));
    } else {
      for (let k = 0; k < kc; k++) {
        const p = base + <usize>k * csb;
        const d = dst + <usize>(k * MR) * 4;
        let r = 0;
        for (; r < height; r++) store<f32>(d + (<usize>r << 2), load<f32>(p + <usize>r * rsb));
        for (; r < MR; r++) store<f32>(d + (<usize>r << 2), 0);
      }
    }
    dst += <usize>(kc * MR) << 2;
  }
}

/**
 * Packs kc×cols of B (element (k, j) at src[k·ks + j·cs]) into ceil(cols/NR) panels of
 * kc×NR at dst, columns past the end as zeros.
 */
export function packB(src: usize, ks: i32, cs: i32, kc: i32, cols: i32, dst: usize): void {
  const ksb = <usize>ks << 2, csb = <usize>cs << 2;
  for (let j = 0; j < cols; j += NR) {
    const width = min<i32>(NR, cols - j);
    let p = src + <usize>j * csb;
    let d = dst;
    if (width == NR && cs == 1) {
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(p));
        v128.store(d, v128.load(p, 16), 16);
        p += ksb;
        d += NR * 4;
      }
    } else if (width == NR && ks == 1) {
      // B transposed: its columns lie along k, so four k of eight columns are two 4×4 transposes.
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const q = p + (<usize>k << 2);
        transpose4(q, csb, d, NR * 4);
        transpose4(q + 4 * csb, csb, d + 16, NR * 4);
        d += 4 * NR * 4;
      }
      for (; k < kc; k++) {
        for (let t = 0; t < NR; t++) store<f32>(d + (<usize>t << 2), load<f32>(p + (<usize>k << 2) + <usize>t * csb));
        d += NR * 4;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        let t = 0;
        for (; t < width; t++) store<f32>(d + (<usize>t << 2), load<f32>(p + <usize>t * csb));
        for (; t < NR; t++) store<f32>(d + (<usize>t << 2), 0);
        p += ksb;
        d += NR * 4;
      }
    }
    dst += <usize>(kc * NR) << 2;
  }
}

/** dst rows 0..3 (stride dstStride bytes) = the transpose of the 4×4 block at src (row stride srcStride bytes). */
@inline function transpose4(src: usize, srcStride: usize, dst: usize, dstStride: usize): void {
  transpose4Rows(src, src + srcStride, src + 2 * srcStride, src + 3 * srcStride, dst, dstStride);
}

/** dst rows 0..3 (stride dstStride bytes) = the transpose of the four 4-float rows at a, b, c, d. */
@inline export function transpose4Rows(a: usize, b: usize, c: usize, d: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(a), r1 = v128.load(b), r2 = v128.load(c), r3 = v128.load(d);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** Row table of a packed B panel: row t at t·NR·4 bytes. */
export function packedRows(rows: usize, kc: i32): void {
  for (let t = 0; t < kc; t++) store<i32>(rows + (<usize>t << 2), t * NR * 4);
}

/** Workspace bytes of gemm() for an m×n×k product. */
export function gemmWorkspaceBytes(m: i32, n: i32, k: i32): i32 {
  const kc = min<i32>(KC, max<i32>(k, 1));
  const nc = roundUp(min<i32>(NC, max<i32>(n, 1)), NR);
  const mc = roundUp(min<i32>(MC, max<i32>(m, 1)), MR);
  return (kc * nc + mc * kc + kc + nc) * 4 + TILE_BYTES + 64;
}

/**
 * C[i·ldc + j] (+)= Σ_k A(i,k)·B(k,j) for strided A (a[i·ars + k·acs]) and B (b[k·bks + j·bcs]).
 * With accumulate false the first depth block overwrites C. ws: gemmWorkspaceBytes(m, n, k).
 */
export function gemm(
  a: usize, ars: i32, acs: i32, b: usize, bks: i32, bcs: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, accumulate: bool, ws: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const nc0 = roundUp(min<i32>(NC, n), NR);
  const kc0 = min<i32>(KC, k);
  const mc0 = roundUp(min<i32>(MC, m), MR);
  const pb = ws;
  const pa = pb + (<usize>(kc0 * nc0) << 2);
  const rows = pa + (<usize>(mc0 * kc0) << 2);
  const cols = rows + (<usize>kc0 << 2);
  const tile = cols + (<usize>nc0 << 2);
  packedRows(rows, kc0);
  const kBlocks = blocksOf(k, KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    for (let t = 0; t < nc; t++) store<i32>(cols + (<usize>t << 2), jc + t);
    for (let kb = 0; kb < kBlocks; kb++) {
      const k0 = blockStart(k, kBlocks, kb);
      const kc = blockStart(k, kBlocks, kb + 1) - k0;
      packB(b + ((<usize>k0 * bks + <usize>jc * bcs) << 2), bks, bcs, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(MC, m - ic);
        packA(a + ((<usize>ic * ars + <usize>k0 * acs) << 2), ars, acs, mc, kc, pa);
        macroKernel(pa, mc, pb, <usize>(kc * NR) << 2, rows, kc, nc,
          c + ((<usize>ic * ldc) << 2), ldc, cols, accumulate || kb > 0, tile);
      }
    }
  }
}
