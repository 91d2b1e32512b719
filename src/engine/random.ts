// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), the
// counter-based generator every backend runs, so a seed gives the same numbers everywhere.
//
// Element i of a draw uses block counter (base + floor(i / 4)) and word i % 4:
//   uniform: (word >> 8) · 2^-24, exact in f32, in [0, 1)
//   normal:  Box–Muller on the word pairs (w0, w1) and (w2, w3): even i takes cos, odd i sin.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9; // golden ratio, the Weyl key increment
const W1 = 0xbb67ae85; // sqrt(3) - 1

/** High and low 32 bits of a 32×32-bit product, exact in doubles via 16-bit halves. */
function mulHiLo(a: number, b: number): [number, number] {
  const lo = Math.imul(a, b) >>> 0;
  const aH = a >>> 16,
    aL = a & 0xffff,
    bH = b >>> 16,
    bL = b & 0xffff;
  const mid = aH * bL + aL * bH + ((aL * bL) >>> 16); // < 2^34, exact
  const hi = (aH * bH + Math.floor(mid / 65536)) >>> 0;
  return [hi, lo];
}

/** One Philox4x32-10 block: four 32-bit words from a 128-bit counter and a 64-bit key. */
export function philox4x32(counter: [number, number, number, number], key: [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulHiLo(M0, c0);
    const [hi1, lo1] = mulHiLo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

const TWO_POW_32 = 4294967296;

/** Splits a block counter (an integer below 2^53) into the low and high counter words. */
export function counterWords(counter: number): [number, number] {
  return [counter % TWO_POW_32, Math.floor(counter / TWO_POW_32)];
}

/** The 32-bit words of block `block` of a draw starting at counter `base`. */
export function philoxBlock(key: [number, number], base: number, block: number): [number, number, number, number] {
  const [lo, hi] = counterWords(base + block);
  return philox4x32([lo, hi, 0, 0], key);
}

export function wordToUniform(word: number): number {
  return (word >>> 8) * 2 ** -24;
}

/** Box–Muller on one word pair; u1 is shifted into (0, 1] so its log is finite. */
export function wordsToNormal(w1: number, w2: number, sine: boolean): number {
  const u1 = ((w1 >>> 8) + 1) * 2 ** -24;
  const u2 = (w2 >>> 8) * 2 ** -24;
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = 2 * Math.PI * u2;
  return sine ? r * Math.sin(theta) : r * Math.cos(theta);
}

/** The state a seeded stream needs: its key and the next unused block counter. */
export interface GeneratorState {
  seed: number;
  counter: number;
}

/** A seeded stream of Philox blocks; each draw reserves the blocks it uses. */
export class Generator {
  readonly key: [number, number];
  counter = 0;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`Generator: seed must be a non-negative integer, got ${seed}`);
    this.key = counterWords(seed);
  }

  /** Reserves the blocks for `count` elements and returns the first block's counter. */
  reserve(count: number): number {
    const base = this.counter;
    this.counter += Math.ceil(count / 4);
    return base;
  }

  state(): GeneratorState {
    return { seed: this.seed, counter: this.counter };
  }

  static fromState(state: GeneratorState): Generator {
    const generator = new Generator(state.seed);
    generator.counter = state.counter;
    return generator;
  }
}

let defaultGenerator = new Generator(0);

/** The stream used when no generator is given (parameter initialisation, say). */
export function globalGenerator(): Generator {
  return defaultGenerator;
}

/** Restarts the default stream from `seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator = new Generator(seed);
}
