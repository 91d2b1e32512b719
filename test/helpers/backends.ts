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

async function webgpu(adapter: (typeof ADAPTERS)[number]): Promise<BackendCase> {
  const name = `webgpu-${adapter}`;
  try {
    const backend = await createWebGpuBackend({ adapter });
    return backend ? { name, backend } : { name, backend: null, missing: `no ${adapter} adapter` };
  } catch (error) {
    return { name, backend: null, missing: (error as Error).message };
  }
}

/** Opens every backend once per test file. */
export async function testBackends(): Promise<BackendCase[]> {
  const wanted = process.env.SSLGPU_TEST_ADAPTERS?.split(',').map((s) => s.trim()) ?? ['wasm', ...ADAPTERS];
  const cases: BackendCase[] = [{ name: 'reference-f32', backend: new ReferenceBackend() }];
  if (wanted.includes('wasm')) cases.push({ name: 'wasm', backend: await createWasmBackend({ threads: 2 }) });
  for (const adapter of ADAPTERS) {
    if (wanted.includes(adapter)) cases.push(await webgpu(adapter));
  }
  for (const c of cases) if (!c.backend) console.warn(`skipping ${c.name}: ${c.missing}`);
  return cases;
}

/** The GPU backends among the cases that exist. */
export function gpuCases(cases: BackendCase[]): BackendCase[] {
  return cases.filter((c) => c.name.startsWith('webgpu'));
}
