// The WebAssembly backend's allocator: tensors live in the module's linear memory, carved
// by size class from the top of a heap that grows on demand; freed blocks wait in per-class
// free lists for the next allocation of their class.

import type { MemoryStats } from '../../backend.js';
import { sizeClass } from '../size-class.js';

const PAGE = 65536;
export const MAX_HEAP_BYTES = 65536 * PAGE; // wasm32: 4 GiB

export class WasmHeap {
  private top: number;
  private free = new Map<number, number[]>();
  private live = new Map<number, number>(); // address → class size
  private liveBytes = 0; // scratch included
  private peakBytes = 0;
  private scratch = new Set<number>(); // live blocks the backend keeps for itself
  private scratchBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = base;
  }

  /**
   * The byte address of a new block of at least `bytes` bytes, 64-byte aligned. Scratch
   * blocks (the kernels' workspaces) are reported with the pooled memory, not as tensors.
   */
  alloc(bytes: number, scratch = false): number {
    const size = sizeClass(Math.max(bytes, 1));
    let address = this.free.get(size)?.pop();
    if (address !== undefined) {
      this.pooledBytes -= size;
      this.pooledCount--;
    } else {
      address = this.top;
      this.reserve(address + size);
      this.top += size;
    }
    this.live.set(address, size);
    this.liveBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    if (scratch) {
      this.scratch.add(address);
      this.scratchBytes += size;
    }
    return address;
  }

  release(address: number): void {
    const size = this.live.get(address);
    if (size === undefined) throw new Error(`wasm heap: ${address} is not a live allocation`);
    this.live.delete(address);
    this.liveBytes -= size;
    if (this.scratch.delete(address)) this.scratchBytes -= size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(address);
    this.pooledBytes += size;
    this.pooledCount++;
  }

  /** Grows the memory so that addresses below `end` exist. */
  private reserve(end: number): void {
    if (end > MAX_HEAP_BYTES)
      throw new Error(`wasm heap: out of memory (${(end / 2 ** 30).toFixed(2)} GiB needed, 4 GiB is the wasm32 limit)`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  stats(): MemoryStats {
    return {
      liveBuffers: this.live.size - this.scratch.size,
      liveBytes: this.liveBytes - this.scratchBytes,
      pooledBuffers: this.pooledCount + this.scratch.size,
      pooledBytes: this.pooledBytes + this.scratchBytes,
      peakBytes: this.peakBytes,
    };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }
}
