// What every WebGPU kernel dispatcher needs: the runtime, the tuning chosen for this adapter,
// and the GPU buffer behind a storage handle.

import type { DType, Storage } from '../../backend.js';
import { GpuRuntime, type KernelSpec } from './runtime.js';
import type { UniformValues } from './uniforms.js';

export class GpuStorage implements Storage {
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly buffer: GPUBuffer,
  ) {}
}

export function bufferOf(storage: Storage): GPUBuffer {
  return (storage as GpuStorage).buffer;
}

/** A pooled f32 buffer of `size` floats for a kernel's own use; give it back with `ctx.runtime.pool.release`. */
export function scratch(ctx: GpuContext, size: number): GpuStorage {
  return new GpuStorage('f32', size, ctx.runtime.pool.acquire(size * 4));
}

/** Kernel choices that depend on the adapter; the benchmarks measure the alternatives. */
export interface KernelConfig {
  /** Matrix-product variant of gemm.wgsl behind matmul and conv2d. */
  gemm: 'tiled' | 'registers' | 'naive';
  /** Threads per workgroup of the 1-D kernels. */
  workgroup: number;
  /** Threads per workgroup of the one-workgroup-per-line kernels (softmax, norms, reductions). */
  lineWorkgroup: number;
  /** The weight-gradient GEMM splits its long K axis until it has about this many workgroups. */
  targetWorkgroups: number;
}

export interface GpuContext {
  runtime: GpuRuntime;
  config: KernelConfig;
}

/** One thread per element of a 1-D range. */
export function dispatchThreads(ctx: GpuContext, spec: KernelSpec, params: UniformValues, buffers: GPUBuffer[], threads: number): void {
  const constants = { WG: ctx.config.workgroup, ...spec.constants };
  ctx.runtime.dispatch({ ...spec, constants }, params, buffers, GpuRuntime.grid(Math.ceil(threads / ctx.config.workgroup)));
}

/** One workgroup per line (row, channel…) of a reduction. */
export function dispatchLines(ctx: GpuContext, spec: KernelSpec, params: UniformValues, buffers: GPUBuffer[], lines: number): void {
  const constants = { WG: ctx.config.lineWorkgroup, ...spec.constants };
  ctx.runtime.dispatch({ ...spec, constants }, params, buffers, GpuRuntime.grid(lines));
}
