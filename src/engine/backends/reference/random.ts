// Uniform and normal numbers from Philox (src/engine/random.ts), four words per counter block.

import type { EngineArgs } from '../../kernels.js';
import { philoxBlock, wordsToNormal, wordToUniform } from '../../random.js';
import type { ReferenceContext } from './context.js';

export function random({ data }: ReferenceContext, { out, ...p }: EngineArgs<'random'>): void {
  const o = data(out);
  let words: number[] = [];
  for (let i = 0; i < out.size; i++) {
    if (i % 4 === 0) words = philoxBlock(p.key, p.counter, i / 4);
    const word = i % 4;
    o[i] =
      p.distribution === 'uniform'
        ? p.a + (p.b - p.a) * wordToUniform(words[word]!)
        : p.a + p.b * wordsToNormal(words[word & 2]!, words[(word & 2) + 1]!, (word & 1) === 1);
  }
}
