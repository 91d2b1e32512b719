// The package's platform-neutral API: the engine, the method, the data readers and the
// backbones. src/node.ts and src/browser.ts add init() for their platform.

export { DataFileError, type IdxArray, type LabelledImages, pairImages, parseIdx } from './data/idx.js';
export { assembleImages, channelStats, type DecodedImage, type ImageSet, type ResizedImage, resizedImage } from './data/images.js';
export { fetchSplit, type NamedBytes, splitFromFiles } from './data/web-files.js';
export * from './engine/index.js';
export * from './method/index.js';
export { ARCH_NAMES, ARCHS, type Arch, type BackboneCost, backboneCost, createBackbone } from './models/archs.js';
export type { Backbone, BackboneOptions } from './models/backbone.js';
export { FmnistResNet, type FmnistResNetOptions, fmnistResNetConvShapes } from './models/fmnist-resnet.js';
export { ConvBn, InvertedResidual, MobileNetV2 } from './models/mobilenetv2.js';
export { ResNet18 } from './models/resnet18.js';
