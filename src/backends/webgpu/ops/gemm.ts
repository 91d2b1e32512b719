// Shared dispatch of the GEMM core (shaders/gemm.wgsl) for matmul and conv2d: which
// variant runs, its workgroup shape and its grid.

import type { UniformValues } from '../uniforms.js';
import type { GpuContext } from '../context.js';
import gemmSource from '../../../../shaders/gemm.wgsl';

const BLOCK = 4; // the register block of gemm.wgsl
const MAX_THREADS = 256;
const MAX_TILE_X = 32; // keeps tileB within 8 KiB of workgroup memory

export interface GemmProblem {
  m: number;
  n: number;
  /** Independent problems along the grid's z axis. */
  batch: number;
}

/** A workgroup shape that fits the rows of C without idling most threads on thin problems. */
export function gemmTile(m: number): { x: number; y: number } {
  const y = Math.min(16, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(m / BLOCK)))));
  return { x: Math.min(MAX_TILE_X, MAX_THREADS / y), y };
}

/** The number of workgroups one GEMM problem of this shape gets. */
export function gemmWorkgroups(m: number, n: number): number {
  const tile = gemmTile(m);
  return Math.ceil(m / (tile.y * BLOCK)) * Math.ceil(n / (tile.x * BLOCK));
}

/** Runs `shader` (a GEMM reader module) on the chosen variant of the core. */
export function dispatchGemm(
  ctx: GpuContext, shader: string, readers: string, params: UniformValues, paramsStruct: string,
  buffers: GPUBuffer[], problem: GemmProblem, constants: Record<string, number | boolean>,
): void {
  const variant = ctx.config.gemm;
  const tile = gemmTile(problem.m);
  const perThread = variant === 'naive' ? 1 : BLOCK;
  const entry = variant === 'naive' ? 'gemmNaive' : variant === 'tiled' ? 'gemmTiled' : 'gemmRegisters';
  ctx.runtime.dispatch(
    { shader, source: gemmSource + readers, entry, params: paramsStruct, constants: { ...constants, TILE_X: tile.x, TILE_Y: tile.y } },
    params, buffers,
    [Math.ceil(problem.n / (tile.x * perThread)), Math.ceil(problem.m / (tile.y * perThread)), problem.batch],
  );
}
