// Allocation size classes shared by the pools of the WebGPU and WebAssembly backends.

const MIN_BYTES = 256;

/** Rounds up to one of four classes per power of two (at most 25 % slack). */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const octave = 2 ** Math.floor(Math.log2(bytes));
  const quarter = octave / 4;
  return Math.ceil(bytes / quarter) * quarter;
}
