// The WebAssembly module: every kernel family, each the twin of its shaders/*.wgsl file.
export { dataEnd } from './common';
export * from './elementwise';
export * from './copy';
export * from './clamp';
export * from './random';
export * from './reduce';
export * from './batchnorm';
export * from './pool';
export * from './indexing';
export * from './softmax';
export * from './l2_normalize';
export * from './sgd';
export * from './matmul';
export * from './conv2d';
export * from './depthwise_conv2d';
export * from './augment';
export * from './memory_bank';
export * from './top_k';
