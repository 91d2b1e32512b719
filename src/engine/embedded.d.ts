// What the build embeds (esbuild loaders in scripts/build.mjs, plugins in vitest.config.ts):
// WGSL sources as strings, and the compiled asm/ kernels as bytes.
declare module '*.wgsl' {
  const source: string;
  export default source;
}

declare module 'sslgpu:asm-kernels' {
  /** The module importing a shared memory, for worker threads. */
  export const shared: Uint8Array;
  /** The same kernels on a plain memory, where shared memory is unavailable. */
  export const single: Uint8Array;
  /** The two above with relaxed SIMD's fused multiply-add in the GEMM core and exp. */
  export const sharedFma: Uint8Array;
  export const singleFma: Uint8Array;
}
