// Entry point for browsers: the engine plus init(), which uses navigator.gpu or runs the
// WebAssembly kernels on Web Workers (threads need a cross-origin isolated page).

import * as kernelsWasm from 'sslgpu:asm-kernels';
import type { Backend } from './backend.js';
import { WasmBackend } from './backends/wasm/backend.js';
import { openDevice } from './backends/webgpu/adapter.js';
import { WebGpuBackend } from './backends/webgpu/backend.js';
import type { KernelConfig } from './backends/webgpu/context.js';
import { type BackendChoice, selectBackend } from './select.js';

export { WasmBackend } from './backends/wasm/backend.js';
export { WebGpuBackend } from './backends/webgpu/backend.js';
export { KernelError } from './backends/webgpu/runtime.js';
export * from './index.js';
export type { BackendChoice } from './select.js';

export interface BrowserInitOptions {
  backend?: BackendChoice;
  kernels?: Partial<KernelConfig>;
  /** WebAssembly threads, the page's own included (default: navigator.hardwareConcurrency). */
  threads?: number;
  /** Hears the backend chosen and why (default: console.info of the line). */
  log?: (line: string, why: string) => void;
}

/** Opens navigator.gpu's adapter; null where the page has no WebGPU. */
export async function createWebGpuBackend(options: BrowserInitOptions = {}): Promise<WebGpuBackend | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  return new WebGpuBackend(await openDevice({ kind: 'browser', adapter, instance: gpu! }), options.kernels);
}

/** The WebAssembly backend; its workers start from a Blob URL, so no worker file is served. */
export async function createWasmBackend(options: { threads?: number } = {}): Promise<WasmBackend> {
  const cores = globalThis.navigator?.hardwareConcurrency;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return WasmBackend.create(kernelsWasm, {
    threads: options.threads ?? cores ?? 1,
    cores,
    spawnWorker: isolated ? (source) => new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))) : undefined,
  });
}

export async function init(options: BrowserInitOptions = {}): Promise<Backend> {
  return selectBackend(
    options.backend ?? 'auto',
    {
      webgpu: () => createWebGpuBackend(options),
      wasm: () => createWasmBackend(options),
    },
    options.log ?? ((line) => console.info(line)),
  );
}
