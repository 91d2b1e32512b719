// Helpers shared by the kernel families (the twin of shaders/common.wgsl): addressing,
// strided walks over N-d index spaces, and the share of a range one thread takes.

/** Byte address of element `index`: every dtype we support is 32 bits wide. */
@inline export function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** The start of part `part` of `parts` near-equal shares of [0, count). */
@inline export function shareStart(count: i32, part: i32, parts: i32): i32 {
  return <i32>((<i64>count * part) / parts);
}

/** shareStart over [0, size) cut at multiples of 4, so that only the last part has a scalar tail. */
@inline export function quadShareStart(size: i32, part: i32, parts: i32): i32 {
  return min<i32>(size, shareStart((size + 3) >> 2, part, parts) << 2);
}

// A strided layout block, written by the host: i32 rank, shape[rank], then one stride
// array of rank entries per operand. The host merges axes first, so the last axis is long
// and the walk below (one division per axis per row) costs little.
@inline export function layoutRank(layout: usize): i32 { return load<i32>(layout); }
@inline export function layoutDim(layout: usize, axis: i32): i32 { return load<i32>(at(layout + 4, axis)); }
@inline export function layoutStride(layout: usize, operand: i32, axis: i32): i32 {
  return load<i32>(at(layout + 4, (1 + operand) * layoutRank(layout) + axis));
}

/** Rows of a layout: the index space of every axis but the last. */
export function layoutRows(layout: usize): i32 {
  let rows = 1;
  for (let axis = 0; axis < layoutRank(layout) - 1; axis++) rows *= layoutDim(layout, axis);
  return rows;
}

/** Offset of row `row`'s first element for `operand`. */
export function rowOffset(layout: usize, operand: i32, row: i32): i32 {
  let rest = row;
  let offset = 0;
  for (let axis = layoutRank(layout) - 2; axis >= 0; axis--) {
    const dim = layoutDim(layout, axis);
    offset += (rest % dim) * layoutStride(layout, operand, axis);
    rest /= dim;
  }
  return offset;
}

/** End of the module's static data: the host keeps its own blocks above it. */
export function dataEnd(): usize {
  return __heap_base;
}

// Philox4x32-10 (src/engine/random.ts): the counter-based generator behind every random kernel.
// The four words of the last block land in these globals (each thread has its own instance).
export let word0: u32 = 0;
export let word1: u32 = 0;
export let word2: u32 = 0;
export let word3: u32 = 0;
export const TWO_POW_MINUS_24: f32 = 5.9604644775390625e-8;

/** Block `block` of a draw whose 64-bit base counter is (low, high), under the key. */
export function philox(low: u32, high: u32, block: u32, key0: u32, key1: u32): void {
  let c0 = low + block;
  let c1 = high + (c0 < block ? 1 : 0); // carry into the high word
  let c2: u32 = 0;
  let c3: u32 = 0;
  let k0 = key0;
  let k1 = key1;
  for (let round = 0; round < 10; round++) {
    const p0 = <u64>0xd2511f53 * <u64>c0;
    const p1 = <u64>0xcd9e8d57 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9e3779b9;
    k1 += 0xbb67ae85;
  }
  word0 = c0;
  word1 = c1;
  word2 = c2;
  word3 = c3;
}

/** A word's top 24 bits as a uniform in [0, 1). */
@inline export function uniformOf(word: u32): f32 {
  return <f32>(word >> 8) * TWO_POW_MINUS_24;
}

/**
 * a·b + c in each lane: one fused multiply-add where the module is built with relaxed SIMD
 * (scripts/asm.mjs builds both kinds; the host picks the one its engine validates), else a
 * multiply and an add.
 */
@inline export function madd4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * e^x in each lane (Cephes' expf: x = n·ln 2 + r, a degree-6 polynomial in r, 2^n from the
 * exponent bits), within 2 ulp; x is clamped to [−87.3, 88.4], where 2^n stays a normal float.
 */
@inline export function exp4(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447504));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  const r = f32x4.add(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd4(p, r, f32x4.splat(1.3981999507e-3));
  p = madd4(p, r, f32x4.splat(8.3334519073e-3));
  p = madd4(p, r, f32x4.splat(4.1665795894e-2));
  p = madd4(p, r, f32x4.splat(1.6666665459e-1));
  p = madd4(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(madd4(p, f32x4.mul(r, r), r), f32x4.splat(1));
  return f32x4.mul(p, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23));
}

/** The sum of the four lanes, in f64. */
@inline export function lanesSum(v: v128): f64 {
  return <f64>(f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + <f64>(f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** The largest of the four lanes. */
@inline export function lanesMax(v: v128): f32 {
  const low = Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1));
  const high = Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3));
  return Mathf.max(low, high);
}
