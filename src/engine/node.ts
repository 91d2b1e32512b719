// Entry point for Node: the engine plus init(), which finds a GPU through Dawn or runs the
// WebAssembly kernels on node:worker_threads.

import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import * as kernelsWasm from 'sslgpu:asm-kernels';
import type { Backend } from './backend.js';
import { hasRelaxedSimd, THREAD_COUNT, WasmBackend } from './backends/wasm/backend.js';
import { type AdapterChoice, type OpenedDevice, openDevice } from './backends/webgpu/adapter.js';
import { WebGpuBackend } from './backends/webgpu/backend.js';
import type { KernelConfig } from './backends/webgpu/context.js';
import { nodeAdapterCandidates } from './backends/webgpu/node-adapters.js';
import { type BackendChoice, selectBackend } from './select.js';
import { checkValue } from './values.js';

export { WasmBackend, type WasmBackendOptions } from './backends/wasm/backend.js';
export type { AdapterChoice } from './backends/webgpu/adapter.js';
export { WebGpuBackend } from './backends/webgpu/backend.js';
export { DeviceLostError, KernelError } from './backends/webgpu/runtime.js';
export * from './index.js';
export { readFileBytes, writeFileAtomic } from './io/node-files.js';

export type { BackendChoice } from './select.js';

export interface InitOptions {
  /** 'auto' (the default, or SSLGPU_BACKEND): a hardware GPU, else WebAssembly. */
  backend?: BackendChoice;
  /** Which WebGPU adapter (or SSLGPU_ADAPTER): auto, hardware, llvmpipe or swiftshader. */
  adapter?: AdapterChoice;
  swiftshaderIcd?: string;
  /** Overrides of the per-adapter kernel choices. */
  kernels?: Partial<KernelConfig>;
  /** WebAssembly threads, the main one included (or SSLGPU_THREADS; default: the cores; at most twice the cores). */
  threads?: number;
  /** Hears the backend chosen and why (default: console.info of the line). */
  log?: (line: string, why: string) => void;
}

/** A device on the first WebGPU adapter that the options allow; null if there is none. */
async function openFirstDevice(options: InitOptions): Promise<OpenedDevice | null> {
  for await (const candidate of nodeAdapterCandidates(options)) return openDevice(candidate);
  return null;
}

/** Opens the first WebGPU adapter that the options allow; null if there is none. */
export async function createWebGpuBackend(options: InitOptions = {}): Promise<WebGpuBackend | null> {
  const opened = await openFirstDevice(options);
  if (!opened) return null;
  // after a device loss: a new adapter of the kind found now (asked for by name, it is there or an error says why)
  const openAgain = async () => (await openFirstDevice({ ...options, adapter: opened.kind }))!;
  return new WebGpuBackend(opened, options.kernels, openAgain);
}

/**
 * The WebAssembly backend, its workers on node:worker_threads: `threads` of them, or
 * SSLGPU_THREADS, or one a core; at most twice the cores (the description says so). Its kernels use fused
 * multiply-add unless `fma` is false (or SSLGPU_FMA=0): Node 22+ validates relaxed SIMD as
 * it is, and Node 20 once V8's flag for it is set, which this does before compiling.
 */
export async function createWasmBackend(options: { threads?: number; fma?: boolean } = {}): Promise<WasmBackend> {
  const fromEnv = process.env.SSLGPU_THREADS;
  const threads = options.threads ?? (fromEnv ? (checkValue('SSLGPU_THREADS', THREAD_COUNT, fromEnv) as number) : availableParallelism());
  const fma = options.fma ?? process.env.SSLGPU_FMA !== '0';
  if (fma && !hasRelaxedSimd()) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WasmBackend.create(kernelsWasm, {
    threads,
    cores: availableParallelism(),
    fma,
    spawnWorker: (source) => new Worker(source, { eval: true }),
  });
}

/**
 * Chooses a backend, makes it the default for new tensors, reports it, and returns it.
 * 'auto' prefers a hardware GPU, else WebAssembly; a forced adapter means WebGPU.
 */
export async function init(options: InitOptions = {}): Promise<Backend> {
  const forcedAdapter = options.adapter ?? (process.env.SSLGPU_ADAPTER as AdapterChoice | undefined);
  const choice = options.backend ?? (process.env.SSLGPU_BACKEND as BackendChoice | undefined) ?? (forcedAdapter ? 'webgpu' : 'auto');
  return selectBackend(
    choice,
    {
      webgpu: async () => {
        if (forcedAdapter || choice !== 'auto') return createWebGpuBackend({ ...options, adapter: forcedAdapter ?? 'auto' });
        try {
          return await createWebGpuBackend({ ...options, adapter: 'hardware' });
        } catch {
          return null; // no hardware adapter: auto falls back to WebAssembly
        }
      },
      wasm: () => createWasmBackend(options),
    },
    options.log ?? ((line) => console.info(line)),
  );
}
