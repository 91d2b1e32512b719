// The method of docs/method.md as a library: its trainers, memory bank, kernels (an
// extension of the engine's kernel table), augmentation and evaluation.

export { ENCODER_RANGES, TRAIN_RANGES, validateConfig } from './config.js';
export { type DeviceImages, holdOut, type ImageFormat, prepareData, shuffle, toDevice } from './data.js';
export { encodeSet } from './embedding.js';
export { Encoder, type EncoderOptions, type HeadKind } from './encoder.js';
export { type EncoderTrainConfig, EncoderTrainer } from './encoder-trainer.js';
export { DivergenceError } from './guard.js';
export { type AugmentParams, BANK_STATS, METHOD_KERNELS, type MemoryBankParams } from './kernels.js';
export { type KnnOptions, knnAccuracy, nearest } from './knn.js';
export { linearProbe, type ProbeOptions } from './linear-probe.js';
export { type BankStepOptions, type BankStepResult, MemoryBank } from './memory-bank.js';
export { type AugmentOptions, augment, FMNIST_MEAN, FMNIST_STD, packImages } from './ops/augment.js';
export { type BankChunk, bankGrad, bankStats, bankStatsInit } from './ops/memory-bank.js';
export { principalAxes, project2d } from './pca.js';
export { type NtXentTargets, ntXent, ntXentTargets, SIMCLR_DEFAULTS, type SimCLRConfig, SimCLRTrainer } from './simclr.js';
// The method of docs/method.md, the same in Node and in a page.
export { DEFAULTS, type EpochResult, PRESETS, type StepListener, type TrainConfig, Trainer } from './train.js';
