// The WebGPU backend: tensors in pooled GPU buffers, every kernel a WGSL compute shader.

import type {
  AugmentParams, MemoryBankParams,
  AnyTypedArray, AxisLayout, Backend, BackendKind, BatchNormLayout, BinaryOp, BroadcastLayout, Conv2dParams, CopyLayout,
  DType, MatmulParams, MemoryStats, Pool2dParams, RandomParams, ReduceLayout, ReduceOp, SgdParams, Storage, TopKParams, UnaryOp,
} from '../../backend.js';
import type { OpenedDevice } from './adapter.js';
import { GpuStorage, bufferOf, type GpuContext, type KernelConfig } from './context.js';
import { GpuRuntime } from './runtime.js';
import * as elementwise from './ops/elementwise.js';
import { random } from './ops/random.js';
import { reduce } from './ops/reduce.js';
import { matmul } from './ops/matmul.js';
import * as conv from './ops/conv2d.js';
import * as bn from './ops/batchnorm.js';
import * as pool from './ops/pool.js';
import * as indexing from './ops/indexing.js';
import * as softmax from './ops/softmax.js';
import { sgdStep } from './ops/sgd.js';
import { augment } from './ops/augment.js';
import { topK } from './ops/top_k.js';
import * as bank from './ops/memory-bank.js';

/** Kernel choices per kind of adapter; measured by `npm run bench` (README, "Adapters"). */
export function defaultKernelConfig(software: boolean): KernelConfig {
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

  constructor(readonly opened: OpenedDevice, config: Partial<KernelConfig> = {}) {
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

  fill(out: Storage, value: number): void { elementwise.fill(this.ctx, out, value); }
  random(out: Storage, params: RandomParams): void { random(this.ctx, out, params); }
  unary(op: UnaryOp, x: Storage, out: Storage, alpha: number): void { elementwise.unary(this.ctx, op, x, out, alpha); }
  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, layout: BroadcastLayout): void { elementwise.binary(this.ctx, op, a, b, out, layout); }
  copy(src: Storage, dst: Storage, layout: CopyLayout): void { elementwise.copy(this.ctx, src, dst, layout); }
  reduce(op: ReduceOp, x: Storage, out: Storage, layout: ReduceLayout): void { reduce(this.ctx, op, x, out, layout); }
  topK(s: Storage, values: Storage, indices: Storage, params: TopKParams): void { topK(this.ctx, s, values, indices, params); }
  matmul(a: Storage, b: Storage, out: Storage, params: MatmulParams, bias?: Storage): void { matmul(this.ctx, a, b, out, params, bias); }
  conv2d(x: Storage, w: Storage, out: Storage, params: Conv2dParams): void { conv.conv2d(this.ctx, x, w, out, params); }
  conv2dBackwardInput(gy: Storage, w: Storage, gx: Storage, params: Conv2dParams): void { conv.conv2dBackwardInput(this.ctx, gy, w, gx, params); }
  conv2dBackwardWeight(x: Storage, gy: Storage, gw: Storage, params: Conv2dParams): void { conv.conv2dBackwardWeight(this.ctx, x, gy, gw, params); }

  batchNormStats(
    x: Storage, mean: Storage, variance: Storage, layout: BatchNormLayout,
    running: { mean: Storage; variance: Storage; momentum: number },
  ): void {
    bn.batchNormStats(this.ctx, x, mean, variance, layout, running);
  }

  batchNormForward(
    x: Storage, mean: Storage, variance: Storage, gamma: Storage, beta: Storage, y: Storage, layout: BatchNormLayout, eps: number,
  ): void {
    bn.batchNormForward(this.ctx, x, mean, variance, gamma, beta, y, layout, eps);
  }

  batchNormBackward(
    x: Storage, gy: Storage, mean: Storage, variance: Storage, gamma: Storage,
    gx: Storage, gGamma: Storage, gBeta: Storage, layout: BatchNormLayout, eps: number, batchStats: boolean,
  ): void {
    bn.batchNormBackward(this.ctx, x, gy, mean, variance, gamma, gx, gGamma, gBeta, layout, eps, batchStats);
  }

  maxPool2d(x: Storage, y: Storage, argmax: Storage, params: Pool2dParams): void { pool.maxPool2d(this.ctx, x, y, argmax, params); }
  maxPool2dBackward(gy: Storage, argmax: Storage, gx: Storage, params: Pool2dParams): void { pool.maxPool2dBackward(this.ctx, gy, argmax, gx, params); }
  avgPool2d(x: Storage, y: Storage, params: Pool2dParams): void { pool.avgPool2d(this.ctx, x, y, params); }
  avgPool2dBackward(gy: Storage, gx: Storage, params: Pool2dParams): void { pool.avgPool2dBackward(this.ctx, gy, gx, params); }
  gather(table: Storage, index: Storage, out: Storage, rows: number, cols: number): void { indexing.gather(this.ctx, table, index, out, rows, cols); }
  scatterAdd(dst: Storage, index: Storage, src: Storage, rows: number, cols: number): void { indexing.scatterAdd(this.ctx, dst, index, src, rows, cols); }
  softmax(x: Storage, out: Storage, layout: AxisLayout, log: boolean): void { softmax.softmax(this.ctx, x, out, layout, log); }
  softmaxBackward(y: Storage, gy: Storage, gx: Storage, layout: AxisLayout, log: boolean): void { softmax.softmaxBackward(this.ctx, y, gy, gx, layout, log); }
  l2Normalize(x: Storage, out: Storage, layout: AxisLayout, eps: number): void { softmax.l2Normalize(this.ctx, x, out, layout, eps); }
  l2NormalizeBackward(x: Storage, gy: Storage, gx: Storage, layout: AxisLayout, eps: number): void { softmax.l2NormalizeBackward(this.ctx, x, gy, gx, layout, eps); }
  blendNormalizeRows(x: Storage, y: Storage, out: Storage, rows: number, length: number, alpha: number, beta: number, eps: number): void {
    softmax.blendNormalizeRows(this.ctx, x, y, out, rows, length, alpha, beta, eps);
  }
  crossEntropy(logits: Storage, target: Storage, losses: Storage, rows: number, classes: number): void { softmax.crossEntropy(this.ctx, logits, target, losses, rows, classes); }
  crossEntropyBackward(logits: Storage, target: Storage, gLoss: Storage, gLogits: Storage, rows: number, classes: number): void {
    softmax.crossEntropyBackward(this.ctx, logits, target, gLoss, gLogits, rows, classes);
  }
  sgdStep(param: Storage, grad: Storage, velocity: Storage, size: number, params: SgdParams): void { sgdStep(this.ctx, param, grad, velocity, size, params); }
  augment(pixels: Storage, index: Storage, out: Storage, params: AugmentParams): void { augment(this.ctx, pixels, index, out, params); }
  bankStats(s: Storage, stats: Storage, params: MemoryBankParams): void { bank.bankStats(this.ctx, s, stats, params); }
  bankGrad(s: Storage, stats: Storage, index: Storage, g: Storage, q: Storage, params: MemoryBankParams): void { bank.bankGrad(this.ctx, s, stats, index, g, q, params); }
}
