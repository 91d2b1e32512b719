// Layers and containers.

export * from './layers.js';
export { Module } from './module.js';
