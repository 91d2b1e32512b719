/**
 * The package in Node, `import { … } from 'sslgpu'`: the engine, the method, the data readers and the backbones, and init(),
 * which finds a GPU through Dawn or runs the WebAssembly kernels on worker threads; loadImageFolder reads a folder of PNG and
 * JPEG files.
 * @module node
 */

export { type ImageFolderOptions, loadImageFolder } from './data/image-files.js';
export * from './engine/node.js';
export * from './index.js';
