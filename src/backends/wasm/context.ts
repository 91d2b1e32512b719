// What every WebAssembly kernel wrapper needs: the compiled kernels, the thread pool, the
// linear memory's layout blocks and scratch, and the address behind a storage handle.

import type { AnyTypedArray, DType, Storage } from '../../backend.js';
import type { WasmHeap } from './heap.js';
import { CONTROL_BYTES, type ThreadPool } from './threads.js';
import { mergeAxes } from './layout.js';

// Linear memory map: the module's static data sits below CONTROL (checked at start-up).
export const CONTROL = 256 * 1024; // the thread pool's control block
export const LAYOUT = CONTROL + CONTROL_BYTES; // strided layout blocks for the host's own calls
export const HEAP_BASE = 1024 * 1024; // = asc --initialMemory 16 pages (scripts/asm.mjs)

export class WasmStorage implements Storage {
  constructor(readonly dtype: DType, readonly size: number, readonly address: number) {}
}

export function addressOf(storage: Storage): number {
  return (storage as WasmStorage).address;
}

type Export = (...args: number[]) => number;

/** The WebAssembly backend's context for its kernels (and extensions'). */
export interface WasmContext {
  readonly memory: WebAssembly.Memory;
  readonly heap: WasmHeap;
  /** Threads, the host included. */
  readonly threads: number;
  /** Calls the exported kernel on this thread. */
  call(kernel: string, ...args: number[]): number;
  /** Runs a kernel whose last two arguments are (part, parts) on every thread. */
  parallel(kernel: string, ...args: number[]): void;
  /**
   * Like parallel(), for a kernel whose last argument before (part, parts) is its own scratch
   * area: every part gets `bytesPerPart` of it.
   */
  parallelWithScratch(kernel: string, bytesPerPart: number, ...args: number[]): void;
  /** A scratch area of at least `bytes`, reused across calls (kernels never keep it). */
  scratch(bytes: number): number;
  /** Writes a layout block (rank, shape, one stride array per operand) at LAYOUT. */
  layout(shape: readonly number[], strides: readonly (readonly number[])[]): number;
  /** The storage's elements in linear memory. */
  view(storage: Storage): AnyTypedArray;
  /** Throws, naming the op and the row, if an index is outside [0, limit). */
  checkRows(op: string, index: Storage, rows: number, limit: number): void;
}

/** The compiled module on one memory, with or without worker threads. */
export class WasmRuntime implements WasmContext {
  private readonly kernels: Record<string, Export>;
  private workspace = { address: 0, bytes: 0 };

  constructor(
    readonly memory: WebAssembly.Memory, instance: WebAssembly.Instance, readonly heap: WasmHeap, readonly pool: ThreadPool | null,
  ) {
    this.kernels = instance.exports as unknown as Record<string, Export>;
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  call(kernel: string, ...args: number[]): number {
    try {
      return this.kernels[kernel]!(...args);
    } catch (error) {
      throw new Error(`wasm kernel ${kernel} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  parallel(kernel: string, ...args: number[]): void {
    if (!this.pool) this.call(kernel, ...args, 0, 1);
    else this.pool.run(kernel, args, (part, parts) => this.call(kernel, ...args, part, parts));
  }

  parallelWithScratch(kernel: string, bytesPerPart: number, ...args: number[]): void {
    const stride = Math.ceil(bytesPerPart / 64) * 64;
    const scratch = this.scratch(stride * this.threads);
    const all = [...args, scratch];
    if (!this.pool) this.call(kernel, ...all, 0, 1);
    else this.pool.run(kernel, all, (part, parts) => this.call(kernel, ...all, part, parts), { arg: args.length, stride });
  }

  scratch(bytes: number): number {
    if (bytes > this.workspace.bytes) {
      if (this.workspace.bytes > 0) this.heap.release(this.workspace.address);
      this.workspace = { address: this.heap.alloc(bytes, true), bytes };
    }
    return this.workspace.address;
  }

  layout(shape: readonly number[], strides: readonly (readonly number[])[]): number {
    const merged = mergeAxes(shape, strides);
    const rank = merged.shape.length;
    const words = new Int32Array(this.memory.buffer, LAYOUT, 1 + rank * (1 + strides.length));
    words[0] = rank;
    words.set(merged.shape, 1);
    merged.strides.forEach((s, j) => words.set(s, 1 + rank * (1 + j)));
    return LAYOUT;
  }

  view(storage: Storage): AnyTypedArray {
    const { buffer } = this.memory;
    const address = addressOf(storage);
    switch (storage.dtype) {
      case 'f32': return new Float32Array(buffer, address, storage.size);
      case 'i32': return new Int32Array(buffer, address, storage.size);
      case 'u32': return new Uint32Array(buffer, address, storage.size);
      default: return storage.dtype satisfies never;
    }
  }

  checkRows(op: string, index: Storage, rows: number, limit: number): void {
    const bad = this.call('checkRows', addressOf(index), rows, limit);
    if (bad >= 0) throw new Error(`${op}: index ${this.view(index)[bad]} is out of range [0, ${limit})`);
  }
}
