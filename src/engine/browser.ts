// Entry point for browsers: the engine plus init(), which uses navigator.gpu or runs the
// WebAssembly kernels on Web Workers (threads need a cross-origin isolated page).

import * as kernelsWasm from 'sslgpu:asm-kernels';
import type { Backend } from './backend.js';
import { WasmBackend } from './backends/wasm/backend.js';
import { type OpenedDevice, openDevice } from './backends/webgpu/adapter.js';
import { WebGpuBackend } from './backends/webgpu/backend.js';
import type { KernelConfig } from './backends/webgpu/context.js';
import { type BackendChoice, selectBackend } from './select.js';

export { WasmBackend, type WasmBackendOptions } from './backends/wasm/backend.js';
export { WebGpuBackend } from './backends/webgpu/backend.js';
export { DeviceLostError, KernelError } from './backends/webgpu/runtime.js';
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

/** A device on navigator.gpu's adapter; null where the page has no WebGPU. */
async function openBrowserDevice(): Promise<OpenedDevice | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? openDevice({ kind: 'browser', adapter, instance: gpu! }) : null;
}

/** Opens navigator.gpu's adapter; null where the page has no WebGPU. */
export async function createWebGpuBackend(options: BrowserInitOptions = {}): Promise<WebGpuBackend | null> {
  const opened = await openBrowserDevice();
  if (!opened) return null;
  // after a device loss, a new adapter (a lost device's adapter opens no other device)
  const openAgain = async () => {
    const again = await openBrowserDevice();
    if (!again) throw new Error('WebGPU offers no adapter since the device was lost');
    return again;
  };
  return new WebGpuBackend(opened, options.kernels, openAgain);
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
