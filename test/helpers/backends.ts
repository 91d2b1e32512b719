// The backends every op test runs on: the reference in f32, WebAssembly on two threads, and
// each WebGPU adapter this machine has. SSLGPU_TEST_ADAPTERS narrows the list
// (comma-separated: wasm, llvmpipe, swiftshader).

import type { Backend } from '../../src/engine/backend.js';
import { ReferenceBackend } from '../../src/engine/backends/reference/backend.js';
import { createWasmBackend, createWebGpuBackend } from '../../src/node.js';

export interface BackendCase {
  name: string;
  backend: Backend | null;
  /** Why the backend is absent, printed when its tests are skipped. */
  missing?: string;
}

const ADAPTERS = ['llvmpipe', 'swiftshader'] as const;

/** One software WebGPU adapter, or why it is missing. */
export async function openAdapter(adapter: (typeof ADAPTERS)[number]): Promise<BackendCase> {
  const name = `webgpu-${adapter}`;
  try {
    const backend = await createWebGpuBackend({ adapter });
    return backend ? { name, backend } : { name, backend: null, missing: `no ${adapter} adapter` };
  } catch (error) {
    return { name, backend: null, missing: (error as Error).message };
  }
}

/** Whether SSLGPU_TEST_ADAPTERS (default: all) asks for tests on this backend: wasm, llvmpipe or swiftshader. */
export function wanted(name: 'wasm' | (typeof ADAPTERS)[number]): boolean {
  return process.env.SSLGPU_TEST_ADAPTERS?.split(',').some((s) => s.trim() === name) ?? true;
}

/** Opens every backend once per test file. */
export async function testBackends(): Promise<BackendCase[]> {
  const cases: BackendCase[] = [{ name: 'reference-f32', backend: new ReferenceBackend() }];
  if (wanted('wasm')) cases.push({ name: 'wasm', backend: await createWasmBackend({ threads: 2 }) });
  for (const adapter of ADAPTERS) {
    if (wanted(adapter)) cases.push(await openAdapter(adapter));
  }
  for (const c of cases) if (!c.backend) console.warn(`skipping ${c.name}: ${c.missing}`);
  return cases;
}

/** The GPU backends among the cases that exist. */
export function gpuCases(cases: BackendCase[]): BackendCase[] {
  return cases.filter((c) => c.name.startsWith('webgpu'));
}
