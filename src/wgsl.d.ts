// WGSL sources are embedded as strings at build time (esbuild text loader, vitest plugin).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
