/**
 * The package in a browser (a bundler picks it by the `browser` condition): the same API as in Node, with an init() that uses
 * navigator.gpu or runs the WebAssembly kernels on Web Workers (threads need a cross-origin isolated page).
 * @module browser
 */

export * from './engine/browser.js';
export * from './index.js';
