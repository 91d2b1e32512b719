// The WebGPU backend: tensors in pooled GPU buffers, every kernel a WGSL compute shader.

import type { AnyTypedArray, Backend, BackendKind, DType, MemoryStats, Storage } from '../../backend.js';
import { type Kernel, KernelTable } from '../../kernels.js';
import type { OpenedDevice } from './adapter.js';
import { bufferOf, type GpuContext, GpuStorage, type KernelConfig } from './context.js';
import * as batchnorm from './ops/batchnorm.js';
import * as clamp from './ops/clamp.js';
import * as conv2d from './ops/conv2d.js';
import * as conv2dWinograd from './ops/conv2d_winograd.js';
import * as depthwiseConv2d from './ops/depthwise_conv2d.js';
import * as elementwise from './ops/elementwise.js';
import * as indexing from './ops/indexing.js';
import * as l2Normalize from './ops/l2_normalize.js';
import { matmul } from './ops/matmul.js';
import * as pool from './ops/pool.js';
import { random } from './ops/random.js';
import { reduce } from './ops/reduce.js';
import { sgdStep } from './ops/sgd.js';
import * as softmax from './ops/softmax.js';
import { topK } from './ops/top_k.js';
import { GpuRuntime } from './runtime.js';

const KERNEL_TABLE = new KernelTable<GpuContext>('webgpu', {
  ...elementwise,
  ...clamp,
  random,
  reduce,
  topK,
  matmul,
  ...conv2d,
  ...conv2dWinograd,
  ...depthwiseConv2d,
  ...batchnorm,
  ...pool,
  ...indexing,
  ...softmax,
  ...l2Normalize,
  sgdStep,
});

/** Kernel choices per kind of adapter; measured by `npm run bench` (README, "Adapters"). */
function defaultKernelConfig(software: boolean): KernelConfig {
  return software
    ? { gemm: 'registers', workgroup: 64, lineWorkgroup: 64, targetWorkgroups: 4 }
    : { gemm: 'tiled', workgroup: 256, lineWorkgroup: 256, targetWorkgroups: 512 };
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly kind: BackendKind;
  readonly description: string;
  readonly runtime: GpuRuntime;
  readonly config: KernelConfig;
  private readonly ctx: GpuContext;

  /**
   * `openAgain` opens another device like `opened`, for reopen() after a device loss: the
   * platform's way to find an adapter of the same kind (a lost device's adapter opens no other).
   */
  constructor(
    readonly opened: OpenedDevice,
    config: Partial<KernelConfig> = {},
    private readonly openAgain?: () => Promise<OpenedDevice>,
  ) {
    this.kind = opened.software ? 'gpu-software' : 'gpu-hardware';
    this.description = `${opened.name} (${opened.kind}, ${opened.software ? 'software' : 'hardware'}, ${opened.featureLevel})`;
    this.runtime = new GpuRuntime(opened.device);
    this.config = { ...defaultKernelConfig(opened.software), ...config };
    this.ctx = { runtime: this.runtime, config: this.config };
  }

  get device(): GPUDevice {
    return this.runtime.device;
  }

  get maxBindingBytes(): number {
    return this.device.limits.maxStorageBufferBindingSize;
  }

  alloc(dtype: DType, size: number): Storage {
    return new GpuStorage(dtype, size, this.runtime.pool.acquire(Math.max(size, 1) * 4));
  }

  free(storage: Storage): void {
    this.runtime.pool.release(bufferOf(storage));
  }

  write(storage: Storage, data: AnyTypedArray): void {
    if (data.length !== storage.size) throw new Error(`write: ${data.length} values for ${storage.size} elements`);
    const typed = data instanceof Float64Array ? Float32Array.from(data) : data;
    this.runtime.write(bufferOf(storage), typed);
  }

  async read(storage: Storage): Promise<AnyTypedArray> {
    const bytes = await this.runtime.read(bufferOf(storage), storage.size * 4);
    return storage.dtype === 'f32' ? new Float32Array(bytes) : storage.dtype === 'i32' ? new Int32Array(bytes) : new Uint32Array(bytes);
  }

  /** Submits recorded work without waiting for it. */
  flush(): void {
    this.runtime.flush();
  }

  sync(): Promise<void> {
    return this.runtime.sync();
  }

  memory(): MemoryStats {
    return this.runtime.pool.stats();
  }

  resetPeak(): void {
    this.runtime.pool.resetPeak();
  }

  destroy(): void {
    this.runtime.destroy();
    this.runtime.device.destroy();
  }

  /** The same adapter kind and kernel choices on a new device; nothing of this one's memory carries over. */
  async reopen(): Promise<WebGpuBackend> {
    if (!this.openAgain) throw new Error(`${this.description}: this backend was made without a way to open its adapter again`);
    return new WebGpuBackend(await this.openAgain(), this.config, this.openAgain);
  }

  run<Args>(kernel: Kernel<Args>, args: Args): void {
    KERNEL_TABLE.run(this.ctx, kernel, args);
  }
}
