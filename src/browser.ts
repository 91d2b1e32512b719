// Entry point for browsers: the package plus the engine's init() for this platform.

export * from './engine/browser.js';
export * from './index.js';
