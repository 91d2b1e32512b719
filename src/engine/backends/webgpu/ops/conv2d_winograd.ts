// Dispatches shaders/conv2d_winograd.wgsl: Winograd's F(2×2, 3×3) as tile and filter transforms
// around 16 batched GEMMs on matmul.wgsl. Where a transformed tensor would not fit one storage
// binding, the pass runs on the implicit GEMMs of ops/conv2d.ts instead.

import source from '../../../../../shaders/conv2d_winograd.wgsl';
import type { Conv2dParams, Storage } from '../../../backend.js';
import type { EngineArgs } from '../../../kernels.js';
import { bufferOf, dispatchThreads, type GpuContext, scratch } from '../context.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, MIN_CHUNK } from './conv2d.js';
import { gemmWorkgroups } from './gemm.js';
import { matmul } from './matmul.js';

/** Positions ξ of a transformed 4×4 tile. */
const XI = 16;
/**
 * The longest run of tiles one weight-gradient GEMM sums: as in asm/conv2d_winograd.ts, longer
 * sequential sums of the transformed products cost float error (at 131 tiles a 28×28 test missed
 * the usual tolerance).
 */
const MAX_CHUNK = 64;

interface Tiling {
  tilesH: number;
  tilesW: number;
  tiles: number;
  /** Tiles laid out in `splits` runs of `chunk` (the weight gradient's split K). */
  chunk: number;
  splits: number;
}

function tilingOf(p: Conv2dParams, splits = 1): Tiling {
  const tilesH = Math.ceil(p.height / 2),
    tilesW = Math.ceil(p.width / 2);
  const tiles = p.batch * tilesH * tilesW;
  const chunk = Math.ceil(tiles / splits);
  return { tilesH, tilesW, tiles, chunk, splits: Math.ceil(tiles / chunk) };
}

/** Whether tensors of these sizes (in floats) each fit one storage binding. */
function fits(ctx: GpuContext, ...sizes: number[]): boolean {
  return sizes.every((size) => size * 4 <= ctx.runtime.device.limits.maxStorageBufferBindingSize);
}

/** Runs `entry` with a thread per one of `size` items. */
function transform(
  ctx: GpuContext,
  entry: string,
  p: Conv2dParams,
  t: Tiling,
  fields: { size: number; channels?: number; rows?: number; cols?: number },
  storages: Storage[],
  flip = false,
): void {
  const params = { channels: 0, rows: 0, cols: 0, ...fields, height: p.height, width: p.width, ...t };
  const spec = { shader: 'conv2d_winograd', source, entry, params: 'WinogradParams', constants: { FLIP: flip } };
  dispatchThreads(ctx, spec, params, storages.map(bufferOf), fields.size);
}

/** out (cout channels) = the 3×3 convolution of x (cin channels), with `flip` the input gradient's. */
function winograd(ctx: GpuContext, p: Conv2dParams, x: Storage, w: Storage, out: Storage, cin: number, cout: number, flip: boolean): void {
  const t = tilingOf(p);
  const u = scratch(ctx, XI * cout * cin),
    v = scratch(ctx, XI * cin * t.tiles),
    m = scratch(ctx, XI * cout * t.tiles);
  transform(ctx, 'filters', p, t, { size: cout * cin, rows: cout, cols: cin }, [w, u], flip);
  transform(ctx, 'inputTiles', p, t, { size: cin * t.tiles, channels: cin }, [x, v]);
  const [aBatchStride, bBatchStride] = [cout * cin, cin * t.tiles];
  matmul(ctx, { a: u, b: v, out: m, batch: XI, m: cout, n: t.tiles, k: cin, transA: false, transB: false, aBatchStride, bBatchStride });
  transform(ctx, 'outputTiles', p, t, { size: cout * t.tiles, channels: cout }, [m, out]);
  for (const s of [u, v, m]) ctx.runtime.pool.release(bufferOf(s));
}

export function conv2dWinograd(ctx: GpuContext, p: EngineArgs<'conv2dWinograd'>): void {
  const tiles = tilingOf(p).tiles;
  if (!fits(ctx, XI * p.inChannels * tiles, XI * p.outChannels * tiles)) conv2d(ctx, p);
  else winograd(ctx, p, p.x, p.w, p.out, p.inChannels, p.outChannels, false);
}

export function conv2dWinogradBackwardInput(ctx: GpuContext, p: EngineArgs<'conv2dWinogradBackwardInput'>): void {
  const tiles = tilingOf(p).tiles;
  if (!fits(ctx, XI * p.inChannels * tiles, XI * p.outChannels * tiles)) conv2dBackwardInput(ctx, p);
  else winograd(ctx, p, p.gy, p.w, p.gx, p.outChannels, p.inChannels, true);
}

/**
 * 16 GEMMs Z[ξ] · V[ξ]ᵀ over the tiles: a long K and a small output, so (as the implicit GEMM's
 * weight gradient) K is split until enough workgroups run, in runs of at most MAX_CHUNK tiles,
 * and filtersBack sums the splits before it transforms back.
 */
export function conv2dWinogradBackwardWeight(ctx: GpuContext, p: EngineArgs<'conv2dWinogradBackwardWeight'>): void {
  const { inChannels: cin, outChannels: cout } = p;
  const whole = tilingOf(p).tiles;
  const workgroups = gemmWorkgroups(cout, cin, ctx.config.gemm) * XI;
  const wanted = Math.min(Math.max(1, Math.floor(whole / MIN_CHUNK)), Math.max(1, Math.ceil(ctx.config.targetWorkgroups / workgroups)));
  const t = tilingOf(p, Math.max(wanted, Math.ceil(whole / MAX_CHUNK)));
  const padded = t.splits * t.chunk;
  if (!fits(ctx, XI * cin * padded, XI * cout * padded, XI * t.splits * cout * cin)) {
    conv2dBackwardWeight(ctx, p);
    return;
  }
  const v = scratch(ctx, XI * cin * padded),
    z = scratch(ctx, XI * cout * padded),
    sums = scratch(ctx, XI * t.splits * cout * cin);
  transform(ctx, 'inputTiles', p, t, { size: cin * padded, channels: cin }, [p.x, v]);
  transform(ctx, 'gradTiles', p, t, { size: cout * padded, channels: cout }, [p.gy, z]);
  const [aBatchStride, bBatchStride] = [cout * t.chunk, cin * t.chunk];
  const batch = XI * t.splits;
  matmul(ctx, { a: z, b: v, out: sums, batch, m: cout, n: cin, k: t.chunk, transA: false, transB: true, aBatchStride, bBatchStride });
  transform(ctx, 'filtersBack', p, t, { size: cout * cin }, [sums, p.gw]);
  for (const s of [v, z, sums]) ctx.runtime.pool.release(bufferOf(s));
}
