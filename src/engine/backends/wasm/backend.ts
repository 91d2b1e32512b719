// The WebAssembly backend: tensors in one linear memory, kernels compiled from asm/ with
// SIMD, the heavy ones split across worker threads that share the memory.

import type { AnyTypedArray, Backend, DType, MemoryStats, Storage } from '../../backend.js';
import { typedArrayFor } from '../../backend.js';
import { type Kernel, KernelTable } from '../../kernels.js';
import { checkValue, type Kind } from '../../values.js';
import * as batchnorm from './batchnorm.js';
import * as clamp from './clamp.js';
import { addressOf, CONTROL, HEAP_BASE, type WasmContext, WasmRuntime, WasmStorage } from './context.js';
import * as conv2d from './conv2d.js';
import * as depthwiseConv2d from './depthwise_conv2d.js';
import * as elementwise from './elementwise.js';
import { MAX_HEAP_BYTES, WasmHeap } from './heap.js';
import * as indexing from './indexing.js';
import * as l2Normalize from './l2_normalize.js';
import { matmul } from './matmul.js';
import * as pool from './pool.js';
import { random } from './random.js';
import { reduce } from './reduce.js';
import { sgdStep } from './sgd.js';
import * as softmax from './softmax.js';
import { ThreadPool, type WorkerFactory } from './threads.js';
import { topK } from './top_k.js';

const KERNEL_TABLE = new KernelTable<WasmContext>('wasm', {
  ...elementwise,
  ...clamp,
  random,
  reduce,
  topK,
  matmul,
  ...conv2d,
  ...depthwiseConv2d,
  ...batchnorm,
  ...pool,
  ...indexing,
  ...softmax,
  ...l2Normalize,
  sgdStep,
});

/** The compiled asm/ kernels (scripts/asm.mjs): on a shared or a plain memory, with or without FMA. */
export interface KernelModules {
  shared: Uint8Array;
  single: Uint8Array;
  sharedFma: Uint8Array;
  singleFma: Uint8Array;
}

/** What a thread count may be; beyond the cap below, the backend starts fewer (and says so). */
export const THREAD_COUNT = { integer: [1, 1e6] } as const satisfies Kind;

/**
 * Threads beyond the cores only time-share them (the host waits for every part), so the
 * backend starts at most this many per core: twice still lets tests split work unevenly on a
 * two-core machine, and a typo like 1000 no longer starts a thousand workers.
 */
const THREADS_PER_CORE = 2;

export interface WasmBackendOptions {
  /** Threads, the host included (default 1: no workers); at most twice `cores`. */
  threads?: number;
  /** The cores of the machine, which cap the threads (default: no cap). */
  cores?: number;
  /** Starts a worker from source text: node:worker_threads in Node, a Web Worker in a page. */
  spawnWorker?: WorkerFactory;
  /** Use the fused multiply-add kernels where the engine has relaxed SIMD (default true). */
  fma?: boolean;
}

/** (module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))) */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a,
  0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether this engine validates relaxed SIMD (Chrome 114+, Node 22+, Node 20 with --experimental-wasm-relaxed-simd). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly kind = 'cpu' as const;
  readonly description: string;
  readonly maxBindingBytes = MAX_HEAP_BYTES;
  private readonly runtime: WasmRuntime;

  private constructor(
    memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    pool: ThreadPool | null,
    /** Whether the kernels use relaxed SIMD's fused multiply-add. */
    readonly fma: boolean,
    notice: string,
  ) {
    this.runtime = new WasmRuntime(memory, instance, new WasmHeap(memory, HEAP_BASE), pool);
    this.description = `WebAssembly SIMD${fma ? ' + FMA' : ''}, ${pool ? pool.threads : 1} thread${pool ? 's' : ''}${notice}`;
  }

  /**
   * Compiles the kernels and starts the workers. With one thread, or where shared memory or
   * workers are unavailable, the module on a plain memory runs everything on the caller.
   */
  static async create(modules: KernelModules, options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const asked = checkValue('threads', THREAD_COUNT, options.threads ?? 1) as number;
    const cap = options.cores === undefined ? asked : THREADS_PER_CORE * options.cores;
    const wanted = Math.min(asked, cap);
    let notice = '';
    if (wanted > 1 && !options.spawnWorker)
      notice = ' (no shared-memory workers here, e.g. a page that is not cross-origin isolated: one thread)';
    else if (wanted > 1 && typeof SharedArrayBuffer === 'undefined') notice = ' (no shared memory here: one thread)';
    const threaded = wanted > 1 && !notice;
    if (!notice && asked > cap) notice = ` (${asked} asked for: at most twice the ${options.cores} cores)`;
    const fma = options.fma !== false && hasRelaxedSimd();
    const bytes = threaded ? (fma ? modules.sharedFma : modules.shared) : fma ? modules.singleFma : modules.single;
    const module = await WebAssembly.compile(bytes as BufferSource);
    const memory = new WebAssembly.Memory({ initial: HEAP_BASE / 65536, maximum: 65536, shared: threaded });
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    const dataEnd = (instance.exports.dataEnd as () => number)();
    if (dataEnd > CONTROL) throw new Error(`wasm kernels: static data (${dataEnd} bytes) overlaps the control block`);
    let pool: ThreadPool | null = null;
    if (threaded) {
      const names = Object.keys(instance.exports).filter((k) => typeof instance.exports[k] === 'function');
      pool = await ThreadPool.start(wanted, module, memory, CONTROL, names, options.spawnWorker!);
    }
    return new WasmBackend(memory, instance, pool, fma, notice);
  }

  get threads(): number {
    return this.runtime.threads;
  }

  alloc(dtype: DType, size: number): Storage {
    return new WasmStorage(dtype, size, this.runtime.heap.alloc(size * 4));
  }

  free(storage: Storage): void {
    this.runtime.heap.release(addressOf(storage));
  }

  write(storage: Storage, data: AnyTypedArray): void {
    if (data.length !== storage.size) throw new Error(`write: ${data.length} values for ${storage.size} elements`);
    this.runtime.view(storage).set(data);
  }

  async read(storage: Storage): Promise<AnyTypedArray> {
    const copy = typedArrayFor(storage.dtype, storage.size);
    copy.set(this.runtime.view(storage));
    return copy;
  }

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return this.runtime.heap.stats();
  }

  resetPeak(): void {
    this.runtime.heap.resetPeak();
  }

  destroy(): void {
    this.runtime.pool?.destroy();
  }

  run<Args>(kernel: Kernel<Args>, args: Args): void {
    KERNEL_TABLE.run(this.runtime, kernel, args);
  }
}
