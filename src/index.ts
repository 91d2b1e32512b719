// Public API of the engine (platform-neutral part; src/node.ts and src/browser.ts add init()).

export { noGrad } from './autograd/tape.js';
export type { Backend, BackendKind, DType, MemoryStats, Storage } from './backend.js';
export { ReferenceBackend } from './backends/reference/backend.js';
// what an extension kernel's implementations need: each backend family's context and handles
export type { ReferenceContext } from './backends/reference/context.js';
export { addressOf, type WasmContext } from './backends/wasm/context.js';
export { bufferOf, dispatchLines, dispatchThreads, type GpuContext } from './backends/webgpu/context.js';
export { DataFileError, type LabelledImages, pairImages, parseIdx } from './data/idx.js';
export { fetchSplit, type NamedBytes, splitFromFiles } from './data/web-files.js';
export { getBackend, setBackend } from './engine.js';
export { loadStateDict, readTensors, saveStateDict } from './io/state.js';
export { crc32, decodeTensorFile, encodeTensorFile, type NamedArray, type TensorFile, TensorFileError } from './io/tensor-file.js';
export {
  type ArgsOf,
  type BackendContexts,
  type Implementations,
  KERNELS,
  type Kernel,
  type KernelSet,
  kernel,
  registerKernels,
} from './kernels.js';
export { type DeviceImages, prepareData, shuffle, toDevice } from './method/data.js';
export { type EncoderTrainConfig, EncoderTrainer } from './method/encoder-trainer.js';
export { type AugmentParams, BANK_STATS, METHOD_KERNELS, type MemoryBankParams } from './method/kernels.js';
export { knnAccuracy, nearest } from './method/knn.js';
export { linearProbe } from './method/linear-probe.js';
export { MemoryBank } from './method/memory-bank.js';
export { type AugmentOptions, augment, FMNIST_MEAN, FMNIST_STD, packImages } from './method/ops/augment.js';
export { type BankChunk, bankGrad, bankStats, bankStatsInit } from './method/ops/memory-bank.js';
export { principalAxes, project2d } from './method/pca.js';
export { type NtXentTargets, ntXent, ntXentTargets, SIMCLR_DEFAULTS, type SimCLRConfig, SimCLRTrainer } from './method/simclr.js';
// The method of docs/method.md, the same in Node and in a page.
export { DEFAULTS, type EpochResult, PRESETS, type StepListener, type TrainConfig, Trainer } from './method/train.js';
export { FmnistResNet, type FmnistResNetOptions, fmnistResNetConvShapes } from './models/fmnist-resnet.js';
export * as nn from './nn/index.js';
export { Module } from './nn/module.js';
export * from './ops/index.js';
export { cosineLr, SGD, type SgdOptions } from './optim/sgd.js';
export { Generator, type GeneratorState, globalGenerator, manualSeed } from './random.js';
export { keep, scope } from './scope.js';
export { Tensor } from './tensor.js';
