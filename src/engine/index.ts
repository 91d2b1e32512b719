// The engine's public API, platform-neutral: tensors, ops, autograd, modules, SGD, the kernel
// table and the backends' contexts. engine/node.ts and engine/browser.ts add init(). The engine
// knows nothing of the method (src/method), which plugs into it like any user's model.

export { noGrad, type OpAttrs, type OpName, type TapeNode } from './autograd/tape.js';
// the backend contract, and the layouts and parameters its kernels receive
export type * from './backend.js';
export { ReferenceBackend, type ReferenceOptions } from './backends/reference/backend.js';
// what an extension kernel's implementations need: each backend family's context and handles
export type { HostArray, ReferenceContext } from './backends/reference/context.js';
export { addressOf, type WasmContext } from './backends/wasm/context.js';
export { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from './backends/webgpu/context.js';
export { getBackend, reopenBackend, setBackend } from './current.js';
export { loadStateDict, readTensors, saveStateDict } from './io/state.js';
export { crc32, decodeTensorFile, encodeTensorFile, type NamedArray, type TensorFile, TensorFileError } from './io/tensor-file.js';
export {
  type ArgsOf,
  type BackendContexts,
  type BackendFamily,
  type Implementations,
  KERNELS,
  type Kernel,
  type KernelSet,
  kernel,
  registerKernels,
} from './kernels.js';
export * as nn from './nn/index.js';
export { Module } from './nn/module.js';
export type { Conv2dGeometry, Pair, Pool2dGeometry } from './ops/geometry.js';
export * from './ops/index.js';
export { cosineLr, SGD, type SgdOptions } from './optim/sgd.js';
export { Generator, type GeneratorState, globalGenerator, manualSeed } from './random.js';
export { keep, scope } from './scope.js';
export { Tensor } from './tensor.js';
export { type KernelCall, multiplyAdds, TracingBackend } from './trace.js';
export { checkValue, type Kind, OptionError } from './values.js';
