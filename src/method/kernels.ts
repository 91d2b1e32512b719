// The method's own kernels (docs/method.md §1 and §3): the batch augmentation and the
// memory-bank softmax statistics and gradient. They are declared and implemented here and
// registered with the engine as an extension, so the engine knows nothing of the method.
// Their WGSL and AssemblyScript sources stay beside the engine's (shaders/augment.wgsl,
// shaders/memory_bank.wgsl, asm/augment.ts, asm/memory_bank.ts: one WebAssembly module).

import type { Storage } from '../engine/backend.js';
import { type ArgsOf, kernel, registerKernels } from '../engine/kernels.js';
import * as reference from './backends/reference.js';
import * as wasm from './backends/wasm.js';
import * as webgpu from './backends/webgpu.js';

/**
 * One random augmentation per image of a batch (docs/method.md §1), drawn from Philox: image b
 * uses S blocks from counter + S·b, S = `blocks` (2, or 3 when it rotates, shifts or erases)
 * plus 2 with `colour`, their words as uniforms in [0, 1): block 0 u0…u3, block 1 g0…g3,
 * block 2 e0…e3.
 *   area = H·W·(scaleMin + (scaleMax − scaleMin)·u0), ratio = exp(log ratioMin + (log ratioMax − log ratioMin)·u1)
 *   cw = min(W, √(area·ratio)), ch = min(H, √(area/ratio)), x0 = (W − cw)·u2, y0 = (H − ch)·u3
 *   flipped when flip and g0 < ½; without crop the window is the whole image.
 * Output (i, j) samples the image bilinearly (edges clamped) at (x − ½, y − ½), where
 *   X = x0 + (j′ + ½)·cw/W, Y = y0 + (i + ½)·ch/H, j′ = flipped ? W − 1 − j : j,
 * and (x, y) = (X, Y) with 2 blocks; with 3, (X, Y) turned by θ = 2π·rotateTurns·(2g1 − 1)
 * about the window's centre, then shifted by translate·(W·(2g2 − 1), H·(2g3 − 1)).
 * Channel c of image k is plane c of its `channels` planes; each is sampled at the same (x, y).
 * With `colour` (3 channels only), two more blocks per image, after the others (block
 * `blocks` c0…c3, block `blocks + 1` d0…d3), make SimCLR's colour distortion on the view's
 * values in [0, 1], torchvision's ColorJitter and RandomGrayscale:
 *   when c0 < jitter, the four adjustments in the order that k = ⌊24·d1⌋ picks (for p = 0…3:
 *   the (k mod (4 − p))-th of those left of [brightness, contrast, saturation, hue], then
 *   k = ⌊k / (4 − p)⌋), each clamped to [0, 1] after it:
 *   brightness x·fb, contrast fc·x + (1 − fc)·m (m: the mean gray level of the whole view as it
 *   stands then), saturation fs·x + (1 − fs)·gray(x), hue: h + fh in HSV (mod 1), where
 *   fb = lo(brightness) + (1 + brightness − lo(brightness))·c1 with lo(s) = max(0, 1 − s), fc
 *   and fs likewise from c2 and c3, fh = hue·(2d0 − 1); gray = 0.2989 r + 0.587 g + 0.114 b;
 *   then when d2 < grayscale, every channel becomes gray(x).
 * The value is normalised, (pixel/255 − mean[c])/std[c], and set to 0 when e0 < erase and
 * (i + ½, j + ½) falls in the erased box: area H·W·(eraseScaleMin + (eraseScaleMax −
 * eraseScaleMin)·e1), aspect exp(log eraseRatioMin + (log eraseRatioMax − log eraseRatioMin)·e2),
 * height eh = min(H, √(area·aspect)), width ew = min(W, √(area/aspect)), corner
 * ((H − eh)·hi16(e3), (W − ew)·lo16(e3)) with the word's 16-bit halves as uniforms.
 */
export interface AugmentParams {
  batch: number;
  height: number;
  width: number;
  key: [number, number];
  counter: number;
  blocks: 2 | 3;
  crop: boolean;
  scaleMin: number;
  scaleMax: number;
  ratioMin: number;
  ratioMax: number;
  flip: boolean;
  /** Largest rotation, in turns (0.25: a quarter turn). */
  rotateTurns: number;
  /** Largest shift, as a fraction of the side. */
  translate: number;
  /** Probability of random erasing. */
  erase: number;
  eraseScaleMin: number;
  eraseScaleMax: number;
  eraseRatioMin: number;
  eraseRatioMax: number;
  /** Planes per image (1 to 4; the colour distortion needs 3). */
  channels: number;
  /** Two more blocks per image for the colour distortion (below; 3 channels). */
  colour: boolean;
  /** Probability of the colour jitter. */
  jitter: number;
  /** Jitter strengths: brightness, contrast and saturation factors in [max(0, 1 − s), 1 + s], hue shifts in [−s, s]. */
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  /** Probability of random grayscale. */
  grayscale: number;
  /** Per channel. */
  mean: readonly number[];
  std: readonly number[];
}

export { BANK_STATS } from './bank-stats.js';

export interface MemoryBankParams {
  /** Batch rows and the bank columns of this chunk. */
  rows: number;
  cols: number;
  /** The chunk's first bank row, to recognise each batch row's own instance. */
  colOffset: number;
  tau: number;
  lambda: number;
}

export const METHOD_KERNELS = {
  /** out [batch, channels·H·W] f32 from images of 8-bit pixels (channel planes) packed four to a u32, picked by index. */
  augment: kernel<{ pixels: Storage; index: Storage; out: Storage } & AugmentParams>('augment'),
  /** Merges the chunk of similarities s [rows, cols] into the row statistics (BANK_STATS). */
  bankStats: kernel<{ s: Storage; stats: Storage } & MemoryBankParams>('bankStats'),
  /**
   * From the final statistics, for the chunk: g = ∂L/∂s = (p − y)/(Bτ) + λ/(2B)·p̃·(s − Σp̃s)
   * and q = y − p, where p = softmax(s/τ), p̃ = softmax(s) over the whole bank, y the
   * one-hot of index[b] (B = rows).
   */
  bankGrad: kernel<{ s: Storage; stats: Storage; index: Storage; g: Storage; q: Storage } & MemoryBankParams>('bankGrad'),
} as const;

type MethodKernels = typeof METHOD_KERNELS;
export type MethodArgs<Name extends keyof MethodKernels> = ArgsOf<MethodKernels[Name]>;

registerKernels(METHOD_KERNELS, { reference, wasm, webgpu });
