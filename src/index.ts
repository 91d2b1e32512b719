// Public API of the engine (platform-neutral part; src/node.ts and src/browser.ts add init()).

export type { Backend, BackendKind, DType, MemoryStats } from './backend.js';
export { Tensor } from './tensor.js';
export { scope, keep } from './scope.js';
export { noGrad } from './autograd/tape.js';
export { getBackend, setBackend } from './engine.js';
export { Generator, type GeneratorState } from './random.js';
export * from './ops/index.js';
export { ReferenceBackend } from './backends/reference/backend.js';
