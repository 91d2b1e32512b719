// The automatic backend choice shared by init() in Node and in browsers: a hardware GPU,
// else the WebAssembly backend (a software WebGPU adapter is far slower than the CPU
// running Wasm SIMD), unless a backend is forced.

import type { Backend } from './backend.js';
import { ReferenceBackend } from './backends/reference/backend.js';
import { setBackend } from './current.js';
import { OptionError } from './values.js';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'reference';

export interface BackendFactories {
  /** The WebGPU backend on the adapter the options name (null where there is none). */
  webgpu(): Promise<Backend | null>;
  wasm(): Promise<Backend>;
}

/** Opens the chosen backend, makes it the default for new tensors, and reports the choice and why. */
export async function selectBackend(
  choice: BackendChoice,
  make: BackendFactories,
  log: (line: string, why: string) => void,
): Promise<Backend> {
  let backend: Backend;
  let why = 'forced';
  switch (choice) {
    case 'reference':
      backend = new ReferenceBackend();
      break;
    case 'wasm':
      backend = await make.wasm();
      break;
    case 'webgpu': {
      const gpu = await make.webgpu();
      if (!gpu) throw new Error('no WebGPU adapter found (see README, "Adapters")');
      backend = gpu;
      break;
    }
    case 'auto': {
      const gpu = await make.webgpu();
      if (gpu?.kind === 'gpu-hardware') {
        backend = gpu;
        why = 'a hardware GPU';
      } else {
        why = gpu ? `only a software WebGPU adapter (${gpu.description})` : 'no WebGPU adapter';
        gpu?.destroy();
        backend = await make.wasm();
      }
      break;
    }
    default:
      throw new OptionError(`unknown backend '${choice satisfies never}' (choose auto, webgpu, wasm or reference)`);
  }
  log(`sslgpu: ${backend.name} backend (${why}): ${backend.description}`, why);
  setBackend(backend);
  return backend;
}
