// The package's platform-neutral API: the engine, the method, the data readers and the
// model. src/node.ts and src/browser.ts add init() for their platform.

export { DataFileError, type LabelledImages, pairImages, parseIdx } from './data/idx.js';
export { fetchSplit, type NamedBytes, splitFromFiles } from './data/web-files.js';
export * from './engine/index.js';
export * from './method/index.js';
export { FmnistResNet, type FmnistResNetOptions, fmnistResNetConvShapes } from './models/fmnist-resnet.js';
