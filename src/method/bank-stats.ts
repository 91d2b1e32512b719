// The layout of the memory bank's per-row statistics (docs/method.md §3), shared by the
// bank kernels of every backend (WGSL and AssemblyScript get it as generated constants,
// src/engine/codes.ts) and by the op that reads the loss terms out of them.

import type { CodeGroups } from '../engine/codes.js';

/**
 * Per-row statistics of the memory-bank softmaxes, merged chunk by chunk (an online
 * softmax), BANK_STATS floats per row: the running max M of the similarities s, then
 *   Σ exp((s − M)/τ),  Σ exp(s − M),  Σ exp((s − M)/2),  Σ exp(s − M)·s,  and the rest unused.
 * Before the first chunk: M = −3.4e38 (the lowest f32), sums 0.
 */
export const BANK_STATS = 8;
export const BANK_SLOT = { max: 0, zTau: 1, zOne: 2, zHalf: 3, weighted: 4 } as const;

/** As constants BANK_STATS and BANK_SLOT_MAX, BANK_SLOT_Z_TAU, … */
export const BANK_CODES = { BANK: { stats: BANK_STATS }, BANK_SLOT } as const satisfies CodeGroups;
