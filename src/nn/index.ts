// Layers and containers.
export { Module } from './module.js';
export * from './layers.js';
