// The op layer: shape checks, output allocation, one backend kernel call, one tape record.

export * from './clamp.js';
export * from './conv2d.js';
export * from './creation.js';
export * from './elementwise.js';
export * from './indexing.js';
export * from './layout.js';
export * from './matmul.js';
export * from './normalization.js';
export * from './pool.js';
export * from './reduce.js';
