// CutMix across the batch (docs/method.md §1; the reference code's option, α = 0.5 there): each
// image gets a box cut from another image of the batch, and its instance target is mixed
// with that image's like a label, by the share of pixels each one shows.

import * as ops from '../engine/ops/index.js';
import { type Generator, philoxBlock, wordToUniform } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { shuffle } from './data.js';

/** Uniforms in (0, 1) from the generator's stream (host side: one batch needs a handful). */
function uniforms(generator: Generator, count: number): number[] {
  const base = generator.reserve(count);
  return Array.from({ length: count }, (_, i) => Math.max(wordToUniform(philoxBlock(generator.key, base, i >> 2)[i & 3]!), 2 ** -24));
}

/** Gamma(α) by Marsaglia–Tsang, boosted for α < 1. */
function gamma(alpha: number, u: () => number): number {
  if (alpha < 1) return gamma(alpha + 1, u) * u() ** (1 / alpha);
  const d = alpha - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(u()) < (z * z) / 2 + d - d * v + d * Math.log(v)) return d * v;
  }
}

export interface CutMix {
  /** The batch, each image with its partner's box pasted in. */
  images: Tensor;
  /** partner[b]: whose box image b shows. */
  partner: Int32Array;
  /** The share of image b's own pixels (the same for the whole batch). */
  weight: number;
}

/** Mixes a batch [B, 1, H, W]: λ ~ Beta(α, α), a box of area (1 − λ)·H·W at a random centre. */
export function cutMix(images: Tensor, alpha: number, generator: Generator): CutMix {
  const [batch, , height, width] = images.shape as [number, number, number, number];
  const draws = uniforms(generator, 64);
  let next = 0;
  const u = () => draws[next++ % draws.length]!;
  const a = gamma(alpha, u),
    b = gamma(alpha, u);
  const lambda = a / (a + b);
  const cut = Math.sqrt(1 - lambda);
  const [cx, cy] = [Math.floor(u() * width), Math.floor(u() * height)];
  const [cw, ch] = [Math.floor(width * cut), Math.floor(height * cut)];
  const x0 = Math.max(cx - (cw >> 1), 0),
    x1 = Math.min(cx + (cw >> 1), width);
  const y0 = Math.max(cy - (ch >> 1), 0),
    y1 = Math.min(cy + (ch >> 1), height);
  const mask = new Float32Array(height * width);
  for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
  const partner = shuffle(batch, generator.key[0], generator.reserve(4));
  const box = ops.tensor(mask, [1, 1, height, width], { backend: images.backend });
  const others = images.gather(ops.tensor(partner, [batch], { backend: images.backend }));
  const mixed = images.mul(box.neg().add(1)).add(others.mul(box));
  return { images: mixed, partner, weight: 1 - ((x1 - x0) * (y1 - y0)) / (width * height) };
}
