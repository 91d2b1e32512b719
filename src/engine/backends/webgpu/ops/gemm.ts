// Shared dispatch of the GEMM core (shaders/gemm.wgsl) for matmul and conv2d: which
// variant runs, its workgroup shape and its grid.

import gemmSource from '../../../../../shaders/gemm.wgsl';
import { wgslConstants } from '../../../codes.js';
import type { GpuContext, KernelConfig } from '../context.js';
import type { UniformValues } from '../uniforms.js';

type GemmVariant = KernelConfig['gemm'];

/** gemm.wgsl's blocking, as GEMM_BLOCK, GEMM_TILE_K and GEMM_REG there. */
export const GEMM_TILES = {
  /** The tiled kernel's register block per thread: block × block outputs. */
  block: 4,
  /** The depth of one workgroup-memory stage. */
  tileK: 16,
  /** The register-only kernel's block per thread: reg × reg outputs. */
  reg: 8,
} as const;
const source = wgslConstants({ GEMM: GEMM_TILES }) + gemmSource;
const MAX_THREADS = 256;
const MAX_TILE_X = 32; // keeps tileB within 8 KiB of workgroup memory

export interface GemmProblem {
  m: number;
  n: number;
  /** Independent problems along the grid's z axis. */
  batch: number;
}

/** Outputs per thread along each axis for a GEMM variant. */
function perThread(variant: GemmVariant): number {
  return variant === 'naive' ? 1 : variant === 'registers' ? GEMM_TILES.reg : GEMM_TILES.block;
}

/** The smallest power of two ≥ the threads needed to cover `size` outputs, at most `cap`. */
function threadsFor(size: number, block: number, cap: number): number {
  return Math.min(cap, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(size / block)))));
}

/** A workgroup shape that fits C without idling most threads on thin problems. */
function gemmTile(m: number, n: number, variant: GemmVariant): { x: number; y: number } {
  const block = perThread(variant);
  const y = threadsFor(m, block, 16);
  return { x: threadsFor(n, block, Math.min(MAX_TILE_X, MAX_THREADS / y)), y };
}

/** The number of workgroups one GEMM problem of this shape gets. */
export function gemmWorkgroups(m: number, n: number, variant: GemmVariant): number {
  const tile = gemmTile(m, n, variant);
  const block = perThread(variant);
  return Math.ceil(m / (tile.y * block)) * Math.ceil(n / (tile.x * block));
}

/** Runs `shader` (a GEMM reader module) on the chosen variant of the core. */
export function dispatchGemm(
  ctx: GpuContext,
  shader: string,
  readers: string,
  params: UniformValues,
  paramsStruct: string,
  buffers: GPUBuffer[],
  problem: GemmProblem,
  constants: Record<string, number | boolean>,
): void {
  const variant = ctx.config.gemm;
  const tile = gemmTile(problem.m, problem.n, variant);
  const block = perThread(variant);
  const entry = variant === 'naive' ? 'gemmNaive' : variant === 'tiled' ? 'gemmTiled' : 'gemmRegisters';
  ctx.runtime.dispatch(
    { shader, source: source + readers, entry, params: paramsStruct, constants: { ...constants, TILE_X: tile.x, TILE_Y: tile.y } },
    params,
    buffers,
    [Math.ceil(problem.n / (tile.x * block)), Math.ceil(problem.m / (tile.y * block)), problem.batch],
  );
}
