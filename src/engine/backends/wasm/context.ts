// What every WebAssembly kernel wrapper needs: the compiled kernels called with typed
// records (records.ts), the thread pool, the linear memory's layout blocks and scratch, and
// the address behind a storage handle.

import type { AnyTypedArray, DType, Storage } from '../../backend.js';
import { ASM_CALLS } from './calls.js';
import type { WasmHeap } from './heap.js';
import { type AsmCall, type Fields, type RecordInput, type RecordValues, type RecordViews, recordViews, writeRecord } from './records.js';
import { CONTROL_BYTES, type ThreadPool } from './threads.js';

// Linear memory map: the module's static data sits below CONTROL (checked at start-up).
export const CONTROL = 256 * 1024; // the thread pool's control block
export const LAYOUT = CONTROL + CONTROL_BYTES; // strided layout blocks for the host's own calls
const LAYOUT_BYTES = 4096;
/**
 * The record of the current call. Calls are synchronous and a parallel one returns only when
 * every part is done, so one area (of MAX_RECORD_BYTES, records.ts) serves every call.
 */
const RECORD = LAYOUT + LAYOUT_BYTES;
export const HEAP_BASE = 1024 * 1024; // = asc --initialMemory 16 pages (scripts/asm.mjs)

export class WasmStorage implements Storage {
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly address: number,
  ) {}
}

export function addressOf(storage: Storage): number {
  return (storage as WasmStorage).address;
}

type Export = (record: number, part?: number, parts?: number) => number;

/** The fields of a kernel that takes a per-part workspace, which parallelWithScratch fills in. */
type WorkspaceFields = { workspace: 'ptr'; workspaceStride: 'i32' };
/** What a second object of values must hold: every field the first lacks. */
type Rest<F extends Fields, V> = Omit<RecordValues<F>, keyof V>;

/** The WebAssembly backend's context for its kernels (and extensions'). */
export interface WasmContext {
  readonly memory: WebAssembly.Memory;
  readonly heap: WasmHeap;
  /** Threads, the host included. */
  readonly threads: number;
  /**
   * Writes the kernel's record and calls it on this thread (as part 0 of 1 if it is parallel).
   * `values` is usually the kernel table's argument record itself; `extra` has the fields it
   * lacks (written by name, a little slower).
   */
  call<F extends Fields>(kernel: AsmCall<F>, values: RecordValues<F>): number;
  call<F extends Fields, V extends Partial<RecordValues<F>>>(kernel: AsmCall<F>, values: V, extra: Rest<F, V>): number;
  /** Writes the record of a kernel that takes (part, parts) and runs it on every thread. */
  parallel<F extends Fields>(kernel: AsmCall<F>, values: RecordValues<F>): void;
  parallel<F extends Fields, V extends Partial<RecordValues<F>>>(kernel: AsmCall<F>, values: V, extra: Rest<F, V>): void;
  /** Like parallel(), for a kernel with a workspace of `bytesPerPart` per part, which this fills in. */
  parallelWithScratch<F extends Fields & WorkspaceFields>(kernel: AsmCall<F>, bytesPerPart: number, values: Rest<F, WorkspaceFields>): void;
  parallelWithScratch<F extends Fields & WorkspaceFields, V extends Partial<RecordValues<F>>>(
    kernel: AsmCall<F>,
    bytesPerPart: number,
    values: V,
    extra: Rest<F, V & WorkspaceFields>,
  ): void;
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
  /** The exports by AsmCall id: looking one up by name on every call costs more than the smallest kernels. */
  private readonly exportById: (Export | undefined)[] = [];
  private workspace = { address: 0, bytes: 0 };
  private views: RecordViews;

  constructor(
    readonly memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    readonly heap: WasmHeap,
    readonly pool: ThreadPool | null,
  ) {
    this.kernels = instance.exports as unknown as Record<string, Export>;
    this.views = recordViews(memory.buffer);
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /**
   * Writes the record at RECORD. Growing a plain memory detaches its buffer (views of it read
   * as empty), growing a shared one leaves the old views valid below the old size: the views
   * are renewed only when detached, as reading memory.buffer on every call would cost more.
   */
  private write(kernel: AsmCall<Fields>, values: RecordInput, extra?: RecordInput): void {
    if (this.views.i32.length === 0) this.views = recordViews(this.memory.buffer);
    kernel.write(this.views, RECORD, values);
    if (extra) writeRecord(this.views, RECORD, kernel, extra, true);
  }

  private invoke(kernel: AsmCall<Fields>, part: number, parts: number): number {
    const run = this.exportById[kernel.id] ?? (this.exportById[kernel.id] = this.kernels[kernel.name]!);
    try {
      return kernel.parallel ? run(RECORD, part, parts) : run(RECORD);
    } catch (error) {
      throw new Error(`wasm kernel ${kernel.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  call(kernel: AsmCall<Fields>, values: object, extra?: object): number {
    this.write(kernel, values as RecordInput, extra as RecordInput | undefined);
    return this.invoke(kernel, 0, 1);
  }

  parallel(kernel: AsmCall<Fields>, values: object, extra?: object): void {
    this.write(kernel, values as RecordInput, extra as RecordInput | undefined);
    this.runParts(kernel);
  }

  private runParts(kernel: AsmCall<Fields>): void {
    if (!this.pool) this.invoke(kernel, 0, 1);
    else this.pool.run(kernel.name, RECORD, (part, parts) => this.invoke(kernel, part, parts));
  }

  parallelWithScratch(kernel: AsmCall<Fields>, bytesPerPart: number, values: object, extra?: object): void {
    const workspaceStride = Math.ceil(bytesPerPart / 64) * 64;
    const workspace = this.scratch(workspaceStride * this.threads); // before the write: it may grow the memory
    this.write(kernel, values as RecordInput, extra as RecordInput | undefined);
    writeRecord(this.views, RECORD, kernel, { workspace, workspaceStride }, true);
    this.runParts(kernel);
  }

  scratch(bytes: number): number {
    if (bytes > this.workspace.bytes) {
      if (this.workspace.bytes > 0) this.heap.release(this.workspace.address);
      this.workspace = { address: this.heap.alloc(bytes, true), bytes };
    }
    return this.workspace.address;
  }

  /** Writes a layout the ops have already simplified (src/engine/ops/util.ts); rank 0 becomes one element. */
  layout(shape: readonly number[], strides: readonly (readonly number[])[]): number {
    const merged = shape.length > 0 ? { shape, strides } : { shape: [1], strides: strides.map(() => [0]) };
    const rank = merged.shape.length;
    const words = new Int32Array(this.memory.buffer, LAYOUT, 1 + rank * (1 + strides.length));
    words[0] = rank;
    words.set(merged.shape, 1);
    for (const [j, s] of merged.strides.entries()) words.set(s, 1 + rank * (1 + j));
    return LAYOUT;
  }

  view(storage: Storage): AnyTypedArray {
    const { buffer } = this.memory;
    const address = addressOf(storage);
    switch (storage.dtype) {
      case 'f32':
        return new Float32Array(buffer, address, storage.size);
      case 'i32':
        return new Int32Array(buffer, address, storage.size);
      case 'u32':
        return new Uint32Array(buffer, address, storage.size);
      default:
        return storage.dtype satisfies never;
    }
  }

  checkRows(op: string, index: Storage, rows: number, limit: number): void {
    const bad = this.call(ASM_CALLS.checkRows, { index: addressOf(index), rows, limit });
    if (bad >= 0) throw new Error(`${op}: index ${this.view(index)[bad]} is out of range [0, ${limit})`);
  }
}
