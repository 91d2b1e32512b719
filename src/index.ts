// Public API of the engine (platform-neutral part; src/node.ts and src/browser.ts add init()).

export type { Backend, BackendKind, DType, MemoryStats, Storage } from './backend.js';
export { Tensor } from './tensor.js';
export { scope, keep } from './scope.js';
export { noGrad } from './autograd/tape.js';
export { getBackend, setBackend } from './engine.js';
export { Generator, type GeneratorState } from './random.js';
export * from './ops/index.js';
export {
  KERNELS,
  kernel,
  registerKernels,
  type Kernel,
  type KernelSet,
  type ArgsOf,
  type Implementations,
  type BackendContexts,
} from './kernels.js';
// what an extension kernel's implementations need: each backend family's context and handles
export type { ReferenceContext } from './backends/reference/context.js';
export { addressOf, type WasmContext } from './backends/wasm/context.js';
export { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from './backends/webgpu/context.js';
export { ReferenceBackend } from './backends/reference/backend.js';
export { manualSeed, globalGenerator } from './random.js';
export { Module } from './nn/module.js';
export * as nn from './nn/index.js';
export { SGD, cosineLr, type SgdOptions } from './optim/sgd.js';
export { encodeTensorFile, decodeTensorFile, crc32, TensorFileError, type TensorFile, type NamedArray } from './io/tensor-file.js';
export { saveStateDict, loadStateDict, readTensors } from './io/state.js';
export { FmnistResNet, fmnistResNetConvShapes, type FmnistResNetOptions } from './models/fmnist-resnet.js';

// The method of docs/method.md, the same in Node and in a page.
export { Trainer, DEFAULTS, PRESETS, type TrainConfig, type StepListener, type EpochResult } from './method/train.js';
export { EncoderTrainer, type EncoderTrainConfig } from './method/encoder-trainer.js';
export { SimCLRTrainer, SIMCLR_DEFAULTS, ntXent, ntXentTargets, type NtXentTargets, type SimCLRConfig } from './method/simclr.js';
export { MemoryBank } from './method/memory-bank.js';
export { augment, packImages, FMNIST_MEAN, FMNIST_STD, type AugmentOptions } from './method/ops/augment.js';
export { bankStatsInit, bankStats, bankGrad, type BankChunk } from './method/ops/memory-bank.js';
export { METHOD_KERNELS, BANK_STATS, type AugmentParams, type MemoryBankParams } from './method/kernels.js';
export { knnAccuracy, nearest } from './method/knn.js';
export { linearProbe } from './method/linear-probe.js';
export { principalAxes, project2d } from './method/pca.js';
export { prepareData, toDevice, shuffle, type DeviceImages } from './method/data.js';
export { parseIdx, pairImages, DataFileError, type LabelledImages } from './data/idx.js';
export { splitFromFiles, fetchSplit, type NamedBytes } from './data/web-files.js';
