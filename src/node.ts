// Entry point for Node: the package plus the engine's init() for this platform.

export * from './engine/node.js';
export * from './index.js';
