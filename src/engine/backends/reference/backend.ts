// The reference backend: every kernel as plain loops, accumulating in f64. It is the
// oracle the other backends are tested against; with precision 'f64' it also stores f32
// tensors in doubles, which makes finite-difference gradient checks exact enough to trust.

import type { AnyTypedArray, Backend, DType, MemoryStats, Storage } from '../../backend.js';
import { type Kernel, KernelTable } from '../../kernels.js';
import * as batchnorm from './batchnorm.js';
import * as clamp from './clamp.js';
import { data, REFERENCE_CONTEXT, type ReferenceContext, ReferenceStorage } from './context.js';
import * as conv2d from './conv2d.js';
import * as depthwiseConv2d from './depthwise_conv2d.js';
import * as elementwise from './elementwise.js';
import * as indexing from './indexing.js';
import * as l2Normalize from './l2_normalize.js';
import { matmul } from './matmul.js';
import * as pool from './pool.js';
import { random } from './random.js';
import { reduce } from './reduce.js';
import { sgdStep } from './sgd.js';
import * as softmax from './softmax.js';
import { topK } from './top_k.js';

const KERNEL_TABLE = new KernelTable<ReferenceContext>('reference', {
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

export interface ReferenceOptions {
  /** How f32 tensors are stored: 'f32' like every other backend, 'f64' for gradient checks. */
  precision?: 'f32' | 'f64';
}

export class ReferenceBackend implements Backend {
  readonly name: string;
  readonly kind = 'reference' as const;
  readonly description: string;
  readonly maxBindingBytes = Number.MAX_SAFE_INTEGER;
  readonly precision: 'f32' | 'f64';
  private live = new Set<ReferenceStorage>();
  private liveBytes = 0;
  private peakBytes = 0;

  constructor(options: ReferenceOptions = {}) {
    this.precision = options.precision ?? 'f32';
    this.name = this.precision === 'f64' ? 'reference-f64' : 'reference';
    this.description = `plain TypeScript loops, ${this.precision} storage`;
  }

  alloc(dtype: DType, size: number): Storage {
    const array =
      dtype === 'i32'
        ? new Int32Array(size)
        : dtype === 'u32'
          ? new Uint32Array(size)
          : this.precision === 'f64'
            ? new Float64Array(size)
            : new Float32Array(size);
    const storage = new ReferenceStorage(dtype, size, array);
    this.live.add(storage);
    this.liveBytes += array.byteLength;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return storage;
  }

  free(storage: Storage): void {
    if (this.live.delete(storage as ReferenceStorage)) this.liveBytes -= data(storage).byteLength;
  }

  write(storage: Storage, values: AnyTypedArray): void {
    if (values.length !== storage.size) throw new Error(`write: ${values.length} values for ${storage.size} elements`);
    data(storage).set(values);
  }

  async read(storage: Storage): Promise<AnyTypedArray> {
    return data(storage).slice();
  }

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return { liveBuffers: this.live.size, liveBytes: this.liveBytes, pooledBuffers: 0, pooledBytes: 0, peakBytes: this.peakBytes };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  destroy(): void {
    this.live.clear();
    this.liveBytes = this.peakBytes = 0;
  }

  run<Args>(kernel: Kernel<Args>, args: Args): void {
    KERNEL_TABLE.run(REFERENCE_CONTEXT, kernel, args);
  }
}
