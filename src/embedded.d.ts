// What the build embeds (esbuild loaders in scripts/build.mjs, plugins in vitest.config.ts):
// WGSL sources as strings, and the compiled asm/ kernels as bytes.
declare module '*.wgsl' {
  const source: string;
  export default source;
}

declare module 'sslgpu:asm-kernels' {
  const wasm: Uint8Array;
  export default wasm;
}
