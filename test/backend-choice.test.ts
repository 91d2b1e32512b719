// The automatic backend choice: a hardware GPU, else WebAssembly, and it says which; and the
// WebAssembly threads: at most twice the cores, and a count that is not one refused.
import { availableParallelism } from 'node:os';
import { expect, it } from 'vitest';
import type { Backend } from '../src/engine/backend.js';
import { selectBackend } from '../src/engine/select.js';
import { ReferenceBackend } from '../src/index.js';
import { createWasmBackend, init } from '../src/node.js';
import { trainSynthetic } from './helpers/synthetic.js';

const softwareGpu = { name: 'webgpu', kind: 'gpu-software', description: 'SwiftShader', destroy() {} } as unknown as Backend;

it('with WebGPU unavailable, trains on WebAssembly and says so', async () => {
  const lines: string[] = [];
  const backend = await selectBackend('auto', { webgpu: async () => null, wasm: () => createWasmBackend({ threads: 2 }) }, (l) =>
    lines.push(l),
  );
  expect(backend.name).toBe('wasm');
  expect(lines[0]).toMatch(/wasm backend \(no WebGPU adapter\): WebAssembly SIMD( \+ FMA)?, 2 threads/);
  const { accuracy } = await trainSynthetic(backend, { steps: 60, seed: 3 });
  expect(accuracy).toBeGreaterThanOrEqual(0.9);
  backend.destroy();
});

it('prefers WebAssembly over a software adapter, and honours a forced backend', async () => {
  const lines: string[] = [];
  const wasm = () => createWasmBackend({ threads: 1 });
  const auto = await selectBackend('auto', { webgpu: async () => softwareGpu, wasm }, (l) => lines.push(l));
  expect(auto.name).toBe('wasm');
  expect(lines[0]).toContain('only a software WebGPU adapter (SwiftShader)');
  expect((await selectBackend('webgpu', { webgpu: async () => softwareGpu, wasm }, () => {})).kind).toBe('gpu-software');
  expect(await selectBackend('reference', { webgpu: async () => null, wasm }, () => {})).toBeInstanceOf(ReferenceBackend);
  await expect(selectBackend('webgpu', { webgpu: async () => null, wasm }, () => {})).rejects.toThrow('no WebGPU adapter found');
  auto.destroy();
});

it('caps the threads at twice the cores, saying so in the backend line, and refuses a count that is not one', async () => {
  const lines: string[] = [];
  const cores = availableParallelism();
  const backend = await init({ backend: 'wasm', threads: 1000, log: (l) => lines.push(l) });
  expect(lines).toEqual([expect.stringContaining(`, ${2 * cores} threads (1000 asked for: at most twice the ${cores} cores)`)]);
  backend.destroy();
  await expect(createWasmBackend({ threads: 0 })).rejects.toThrow('threads must be an integer in [1, 1000000]; got 0');
  await expect(createWasmBackend({ threads: 1.5 })).rejects.toThrow('threads must be an integer in [1, 1000000]; got 1.5');
  const before = process.env.SSLGPU_THREADS;
  process.env.SSLGPU_THREADS = 'abc';
  try {
    await expect(createWasmBackend()).rejects.toThrow('SSLGPU_THREADS must be an integer in [1, 1000000]; got abc');
  } finally {
    if (before === undefined) delete process.env.SSLGPU_THREADS;
    else process.env.SSLGPU_THREADS = before;
  }
});
