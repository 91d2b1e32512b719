// Entry point for Node: the engine plus init(), which finds a backend through Dawn.

import type { Backend } from './backend.js';
import { setBackend } from './engine.js';
import { ReferenceBackend } from './backends/reference/backend.js';
import { openDevice, type AdapterChoice } from './backends/webgpu/adapter.js';
import { WebGpuBackend } from './backends/webgpu/backend.js';
import type { KernelConfig } from './backends/webgpu/context.js';
import { nodeAdapterCandidates } from './backends/webgpu/node-adapters.js';

export * from './index.js';
export { WebGpuBackend } from './backends/webgpu/backend.js';
export { writeFileAtomic, readFileBytes } from './io/node-files.js';
export { KernelError } from './backends/webgpu/runtime.js';
export type { AdapterChoice } from './backends/webgpu/adapter.js';

export type BackendChoice = 'auto' | 'webgpu' | 'reference';

export interface InitOptions {
  /** 'auto' (the default, or WEBSSL_BACKEND) takes WebGPU when an adapter exists. */
  backend?: BackendChoice;
  /** Which WebGPU adapter (or WEBSSL_ADAPTER): auto, hardware, llvmpipe or swiftshader. */
  adapter?: AdapterChoice;
  swiftshaderIcd?: string;
  /** Overrides of the per-adapter kernel choices. */
  kernels?: Partial<KernelConfig>;
}

/** Opens the first WebGPU adapter that the options allow; null if there is none. */
export async function createWebGpuBackend(options: InitOptions = {}): Promise<WebGpuBackend | null> {
  for await (const candidate of nodeAdapterCandidates(options)) {
    return new WebGpuBackend(await openDevice(candidate), options.kernels);
  }
  return null;
}

/** Chooses a backend, makes it the default for new tensors, and returns it. */
export async function init(options: InitOptions = {}): Promise<Backend> {
  const choice = options.backend ?? (process.env.WEBSSL_BACKEND as BackendChoice | undefined) ?? 'auto';
  let backend: Backend | null = null;
  if (choice === 'reference') backend = new ReferenceBackend();
  else {
    backend = await createWebGpuBackend(options);
    if (!backend && choice === 'webgpu') throw new Error('no WebGPU adapter found (see README, "Adapters")');
    backend ??= new ReferenceBackend();
  }
  setBackend(backend);
  return backend;
}
