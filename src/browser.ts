// Entry point for browsers: the engine plus init(), which uses navigator.gpu.

import type { Backend } from './backend.js';
import { setBackend } from './engine.js';
import { ReferenceBackend } from './backends/reference/backend.js';
import { openDevice } from './backends/webgpu/adapter.js';
import { WebGpuBackend } from './backends/webgpu/backend.js';
import type { KernelConfig } from './backends/webgpu/context.js';

export * from './index.js';
export { WebGpuBackend } from './backends/webgpu/backend.js';
export { KernelError } from './backends/webgpu/runtime.js';

export interface BrowserInitOptions {
  backend?: 'auto' | 'webgpu' | 'reference';
  kernels?: Partial<KernelConfig>;
}

/** Opens navigator.gpu's adapter; null where the page has no WebGPU. */
export async function createWebGpuBackend(options: BrowserInitOptions = {}): Promise<WebGpuBackend | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  return new WebGpuBackend(await openDevice({ kind: 'browser', adapter, instance: gpu! }), options.kernels);
}

export async function init(options: BrowserInitOptions = {}): Promise<Backend> {
  const choice = options.backend ?? 'auto';
  let backend: Backend | null = choice === 'reference' ? new ReferenceBackend() : await createWebGpuBackend(options);
  if (!backend && choice === 'webgpu') throw new Error('this page has no WebGPU adapter');
  backend ??= new ReferenceBackend();
  setBackend(backend);
  return backend;
}
