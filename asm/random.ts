// Philox4x32-10 (the twin of shaders/random.wgsl): block b of a draw is Philox of the
// 64-bit counter base + b under the key, so every backend produces the same words.
import { at } from './common';

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const TWO_PI: f32 = 6.283185307179586;
const TWO_POW_MINUS_24: f32 = 5.9604644775390625e-8;

@inline function uniformOf(word: u32): f32 {
  return <f32>(word >> 8) * TWO_POW_MINUS_24;
}

/** Writes `size` values; uniform in [a, b) or normal with mean a and deviation b. */
export function random(out: usize, size: i32, normal: bool, key0: u32, key1: u32, counterLow: u32, counterHigh: u32, a: f32, b: f32): void {
  for (let first = 0; first < size; first += 4) {
    const block = <u32>(first >> 2);
    const low = counterLow + block;
    let c0 = low;
    let c1 = counterHigh + (low < block ? 1 : 0); // carry into the high word
    let c2: u32 = 0;
    let c3: u32 = 0;
    let k0 = key0;
    let k1 = key1;
    for (let round = 0; round < 10; round++) {
      const p0 = M0 * <u64>c0;
      const p1 = M1 * <u64>c2;
      const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
      const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
      c1 = <u32>p1;
      c3 = <u32>p0;
      c0 = n0;
      c2 = n2;
      k0 += 0x9e3779b9;
      k1 += 0xbb67ae85;
    }
    let v0: f32, v1: f32, v2: f32, v3: f32;
    if (normal) {
      const r01 = Mathf.sqrt(-2 * Mathf.log(<f32>((c0 >> 8) + 1) * TWO_POW_MINUS_24));
      const r23 = Mathf.sqrt(-2 * Mathf.log(<f32>((c2 >> 8) + 1) * TWO_POW_MINUS_24));
      const t01 = TWO_PI * uniformOf(c1);
      const t23 = TWO_PI * uniformOf(c3);
      v0 = r01 * Mathf.cos(t01) * b + a;
      v1 = r01 * Mathf.sin(t01) * b + a;
      v2 = r23 * Mathf.cos(t23) * b + a;
      v3 = r23 * Mathf.sin(t23) * b + a;
    } else {
      const span = b - a;
      v0 = uniformOf(c0) * span + a;
      v1 = uniformOf(c1) * span + a;
      v2 = uniformOf(c2) * span + a;
      v3 = uniformOf(c3) * span + a;
    }
    store<f32>(at(out, first), v0);
    if (first + 1 < size) store<f32>(at(out, first + 1), v1);
    if (first + 2 < size) store<f32>(at(out, first + 2), v2);
    if (first + 3 < size) store<f32>(at(out, first + 3), v3);
  }
}
