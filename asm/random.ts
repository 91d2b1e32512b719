// Seeded uniform and normal numbers (the twin of shaders/random.wgsl): block b of a draw is
// Philox of the 64-bit counter base + b under the key, so every backend draws the same words.
import { at, philox, uniformOf, word0, word1, word2, word3, TWO_POW_MINUS_24 } from './common';
import { RandomParams } from './generated';

const TWO_PI: f32 = 6.283185307179586;

/** Writes `size` values; uniform in [a, b) or normal with mean a and deviation b. */
export function random(p: RandomParams): void {
  const out = p.out, size = p.size, normal = p.normal, key0 = p.key0, key1 = p.key1, counterLow = p.counterLow, counterHigh = p.counterHigh;
  const a = p.a, b = p.b;
  for (let first = 0; first < size; first += 4) {
    philox(counterLow, counterHigh, <u32>(first >> 2), key0, key1);
    const c0 = word0, c1 = word1, c2 = word2, c3 = word3;
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
