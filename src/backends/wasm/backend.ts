// The WebAssembly backend: tensors in one linear memory, kernels compiled from asm/ with
// SIMD, the heavy ones split across worker threads that share the memory.

import type {
  AnyTypedArray, AugmentParams, AxisLayout, Backend, BatchNormLayout, BinaryOp, BroadcastLayout, Conv2dParams, CopyLayout, DType,
  MatmulParams, MemoryBankParams, MemoryStats, Pool2dParams, RandomParams, ReduceLayout, ReduceOp, SgdParams, Storage, TopKParams, UnaryOp,
} from '../../backend.js';
import { typedArrayFor } from '../../backend.js';
import { counterWords } from '../../random.js';
import { MAX_HEAP_BYTES, WasmHeap } from './heap.js';
import { CONTROL_BYTES, ThreadPool, type WorkerFactory } from './threads.js';
import { mergeAxes } from './layout.js';

// Linear memory map: the module's static data sits below CONTROL (checked at start-up).
const CONTROL = 256 * 1024; // the thread pool's control block
const LAYOUT = CONTROL + CONTROL_BYTES; // strided layout blocks for the host's own calls
const HEAP_BASE = 1024 * 1024; // = asc --initialMemory 16 pages (scripts/asm.mjs)

const UNARY_CODES: Record<Exclude<UnaryOp, 'cast'>, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, relu: 5, abs: 6, square: 7, pow: 8, addScalar: 9, mulScalar: 10,
};
const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, reluBackward: 6, greater: 7, equal: 8,
};
const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1, argmax: 2 };

class WasmStorage implements Storage {
  constructor(readonly dtype: DType, readonly size: number, readonly address: number) {}
}

function addressOf(storage: Storage): number {
  return (storage as WasmStorage).address;
}

type Kernel = (...args: number[]) => number;

/** The compiled asm/ kernels (scripts/asm.mjs): on a shared or a plain memory, with or without FMA. */
export interface KernelModules {
  shared: Uint8Array;
  single: Uint8Array;
  sharedFma: Uint8Array;
  singleFma: Uint8Array;
}

export interface WasmBackendOptions {
  /** Threads, the host included (default: the number of cores; 1 disables workers). */
  threads?: number;
  /** Starts a worker from source text: node:worker_threads in Node, a Web Worker in a page. */
  spawnWorker?: WorkerFactory;
  /** Use the fused multiply-add kernels where the engine has relaxed SIMD (default true). */
  fma?: boolean;
}

/** (module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))) */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
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
  private readonly heap: WasmHeap;
  private readonly kernels: Record<string, Kernel>;
  private workspace = { address: 0, bytes: 0 };

  private constructor(
    private readonly linear: WebAssembly.Memory, instance: WebAssembly.Instance, private readonly pool: ThreadPool | null,
    /** Whether the kernels use relaxed SIMD's fused multiply-add. */
    readonly fma: boolean, notice: string,
  ) {
    this.kernels = instance.exports as unknown as Record<string, Kernel>;
    this.heap = new WasmHeap(linear, HEAP_BASE);
    this.description = `WebAssembly SIMD${fma ? ' + FMA' : ''}, ${pool ? pool.threads : 1} thread${pool ? 's' : ''}${notice}`;
  }

  /**
   * Compiles the kernels and starts the workers. With one thread, or where shared memory or
   * workers are unavailable, the module on a plain memory runs everything on the caller.
   */
  static async create(modules: KernelModules, options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const wanted = Math.max(1, Math.floor(options.threads ?? 1));
    let notice = '';
    if (wanted > 1 && !options.spawnWorker) notice = ' (no shared-memory workers here, e.g. a page that is not cross-origin isolated: one thread)';
    else if (wanted > 1 && typeof SharedArrayBuffer === 'undefined') notice = ' (no shared memory here: one thread)';
    const threaded = wanted > 1 && !notice;
    const fma = options.fma !== false && hasRelaxedSimd();
    const bytes = threaded ? (fma ? modules.sharedFma : modules.shared) : (fma ? modules.singleFma : modules.single);
    const module = await WebAssembly.compile(bytes as BufferSource);
    const memory = new WebAssembly.Memory({ initial: HEAP_BASE / 65536, maximum: 65536, shared: threaded });
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('wasm kernel aborted'); } } });
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
    return this.pool?.threads ?? 1;
  }

  private call(kernel: string, ...args: number[]): number {
    try {
      return this.kernels[kernel]!(...args);
    } catch (error) {
      throw new Error(`wasm kernel ${kernel} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Runs a kernel whose last two arguments are (part, parts) on every thread. */
  private parallel(kernel: string, ...args: number[]): void {
    if (!this.pool) this.call(kernel, ...args, 0, 1);
    else this.pool.run(kernel, args, (part, parts) => this.call(kernel, ...args, part, parts));
  }

  /**
   * Like parallel(), for a kernel whose last argument before (part, parts) is its own scratch
   * area: every part gets `bytesPerPart` of it.
   */
  private parallelWithScratch(kernel: string, bytesPerPart: number, ...args: number[]): void {
    const stride = Math.ceil(bytesPerPart / 64) * 64;
    const scratch = this.scratch(stride * this.threads);
    const all = [...args, scratch];
    if (!this.pool) this.call(kernel, ...all, 0, 1);
    else this.pool.run(kernel, all, (part, parts) => this.call(kernel, ...all, part, parts), { arg: args.length, stride });
  }

  /** A scratch area of at least `bytes`, reused across calls (kernels never keep it). */
  private scratch(bytes: number): number {
    if (bytes > this.workspace.bytes) {
      if (this.workspace.bytes > 0) this.heap.release(this.workspace.address);
      this.workspace = { address: this.heap.alloc(bytes, true), bytes };
    }
    return this.workspace.address;
  }

  /** Writes a layout block (rank, shape, one stride array per operand) at LAYOUT. */
  private layout(shape: readonly number[], strides: readonly (readonly number[])[]): number {
    const merged = mergeAxes(shape, strides);
    const rank = merged.shape.length;
    const words = new Int32Array(this.linear.buffer, LAYOUT, 1 + rank * (1 + strides.length));
    words[0] = rank;
    words.set(merged.shape, 1);
    merged.strides.forEach((s, j) => words.set(s, 1 + rank * (1 + j)));
    return LAYOUT;
  }

  private view(storage: Storage): AnyTypedArray {
    const { buffer } = this.linear;
    const address = addressOf(storage);
    switch (storage.dtype) {
      case 'f32': return new Float32Array(buffer, address, storage.size);
      case 'i32': return new Int32Array(buffer, address, storage.size);
      case 'u32': return new Uint32Array(buffer, address, storage.size);
      default: return storage.dtype satisfies never;
    }
  }

  alloc(dtype: DType, size: number): Storage {
    return new WasmStorage(dtype, size, this.heap.alloc(size * 4));
  }

  free(storage: Storage): void {
    this.heap.release(addressOf(storage));
  }

  write(storage: Storage, data: AnyTypedArray): void {
    if (data.length !== storage.size) throw new Error(`write: ${data.length} values for ${storage.size} elements`);
    this.view(storage).set(data);
  }

  async read(storage: Storage): Promise<AnyTypedArray> {
    const copy = typedArrayFor(storage.dtype, storage.size);
    copy.set(this.view(storage));
    return copy;
  }

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return this.heap.stats();
  }

  resetPeak(): void {
    this.heap.resetPeak();
  }

  destroy(): void {
    this.pool?.destroy();
  }

  fill(out: Storage, value: number): void {
    const bits = new DataView(new ArrayBuffer(4));
    if (out.dtype === 'f32') bits.setFloat32(0, value, true);
    else bits.setInt32(0, value, true);
    this.call('fill', addressOf(out), out.size, bits.getUint32(0, true));
  }

  random(out: Storage, p: RandomParams): void {
    const [low, high] = counterWords(p.counter);
    this.call('random', addressOf(out), out.size, p.distribution === 'normal' ? 1 : 0, p.key[0], p.key[1], low, high, p.a, p.b);
  }

  unary(op: UnaryOp, x: Storage, out: Storage, alpha: number): void {
    if (op === 'cast') this.call(x.dtype === 'f32' ? 'castF32ToI32' : 'castI32ToF32', addressOf(x), addressOf(out), out.size);
    else this.call('unary', UNARY_CODES[op], addressOf(x), addressOf(out), out.size, alpha);
  }

  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, l: BroadcastLayout): void {
    if (out.size === 0) return;
    const layout = this.layout(l.shape, [l.aStrides, l.bStrides]);
    this.call('binary', BINARY_CODES[op], addressOf(a), addressOf(b), addressOf(out), layout);
  }

  copy(src: Storage, dst: Storage, l: CopyLayout): void {
    if (l.shape.some((d) => d === 0)) return;
    const layout = this.layout(l.shape, [l.srcStrides, l.dstStrides]);
    this.call('copy', addressOf(src), l.srcOffset, addressOf(dst), l.dstOffset, layout);
  }

  topK(s: Storage, values: Storage, indices: Storage, p: TopKParams): void {
    this.parallel('topK', addressOf(s), addressOf(values), addressOf(indices), p.rows, p.cols, p.k);
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, l: ReduceLayout): void {
    const keptSize = l.keptShape.reduce((p, d) => p * d, 1);
    if (keptSize === 0) return;
    // two layout blocks side by side: kept, then reduced
    const kept = this.layout(l.keptShape, [l.keptStrides]);
    const keptWords = new Int32Array(this.linear.buffer, kept, 1 + 2 * new Int32Array(this.linear.buffer, kept, 1)[0]!).slice();
    const reduced = this.layout(l.reducedShape, [l.reducedStrides]);
    const reducedWords = new Int32Array(this.linear.buffer, reduced, 1 + 2 * new Int32Array(this.linear.buffer, reduced, 1)[0]!).slice();
    const both = new Int32Array(this.linear.buffer, LAYOUT, keptWords.length + reducedWords.length);
    both.set(keptWords);
    both.set(reducedWords, keptWords.length);
    this.call('reduce', REDUCE_CODES[op], addressOf(x), addressOf(out), keptSize, LAYOUT, LAYOUT + keptWords.length * 4);
  }

  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams, bias?: Storage): void {
    this.parallelWithScratch('matmul', this.call('matmulWorkspaceBytes', p.m, p.n, p.k, this.threads),
      addressOf(a), addressOf(b), addressOf(out), bias ? addressOf(bias) : 0, bias ? 1 : 0,
      p.batch, p.m, p.n, p.k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.aBatchStride, p.bBatchStride);
  }

  private convArgs(p: Conv2dParams): number[] {
    return [p.batch, p.inChannels, p.height, p.width, p.outChannels, p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW, p.outHeight, p.outWidth, p.groups];
  }

  conv2d(x: Storage, w: Storage, out: Storage, p: Conv2dParams): void {
    const args = this.convArgs(p);
    this.parallelWithScratch('conv2d', this.call('conv2dWorkspaceBytes', ...args, this.threads), addressOf(x), addressOf(w), addressOf(out), ...args);
  }

  conv2dBackwardInput(gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): void {
    const args = this.convArgs(p);
    this.parallelWithScratch('conv2dBackwardInput', this.call('conv2dBackwardInputWorkspaceBytes', ...args, this.threads),
      addressOf(gy), addressOf(w), addressOf(gx), ...args);
  }

  /**
   * Partial sums over fixed splits of the batch (so any thread count gives the same bits),
   * then their sum in split order.
   */
  conv2dBackwardWeight(x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): void {
    const args = this.convArgs(p);
    const partials = this.heap.alloc(this.call('conv2dBackwardWeightPartialsBytes', ...args), true);
    try {
      const workspaceBytes = this.call('conv2dBackwardWeightWorkspaceBytes', ...args, this.threads);
      this.parallelWithScratch('conv2dBackwardWeight', workspaceBytes, addressOf(x), addressOf(gy), addressOf(gw), ...args, partials);
      this.parallel('conv2dBackwardWeightReduce', addressOf(gw), partials, gw.size, this.call('conv2dBackwardWeightSplits', p.batch));
    } finally {
      this.heap.release(partials);
    }
  }

  batchNormStats(x: Storage, mean: Storage, variance: Storage, l: BatchNormLayout, running: { mean: Storage; variance: Storage; momentum: number }): void {
    this.parallel('batchNormStats', addressOf(x), addressOf(mean), addressOf(variance), addressOf(running.mean), addressOf(running.variance),
      running.momentum, l.batch, l.channels, l.spatial);
  }

  batchNormForward(x: Storage, mean: Storage, variance: Storage, gamma: Storage, beta: Storage, y: Storage, l: BatchNormLayout, eps: number): void {
    this.parallel('batchNormForward', addressOf(x), addressOf(mean), addressOf(variance), addressOf(gamma), addressOf(beta), addressOf(y),
      l.batch, l.channels, l.spatial, eps);
  }

  batchNormBackward(
    x: Storage, gy: Storage, mean: Storage, variance: Storage, gamma: Storage,
    gx: Storage, gGamma: Storage, gBeta: Storage, l: BatchNormLayout, eps: number, batchStats: boolean,
  ): void {
    this.parallel('batchNormBackward', addressOf(x), addressOf(gy), addressOf(mean), addressOf(variance), addressOf(gamma),
      addressOf(gx), addressOf(gGamma), addressOf(gBeta), l.batch, l.channels, l.spatial, eps, batchStats ? 1 : 0);
  }

  private poolArgs(p: Pool2dParams): number[] {
    return [p.batch * p.channels, p.height, p.width, p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW, p.outHeight, p.outWidth];
  }

  maxPool2d(x: Storage, y: Storage, argmax: Storage, p: Pool2dParams): void {
    this.parallel('maxPool2d', addressOf(x), addressOf(y), addressOf(argmax), ...this.poolArgs(p));
  }

  maxPool2dBackward(gy: Storage, argmax: Storage, gx: Storage, p: Pool2dParams): void {
    this.parallel('maxPool2dBackward', addressOf(gy), addressOf(argmax), addressOf(gx), p.batch * p.channels, p.height * p.width, p.outHeight * p.outWidth);
  }

  avgPool2d(x: Storage, y: Storage, p: Pool2dParams): void {
    this.parallel('avgPool2d', addressOf(x), addressOf(y), ...this.poolArgs(p));
  }

  avgPool2dBackward(gy: Storage, gx: Storage, p: Pool2dParams): void {
    this.parallel('avgPool2dBackward', addressOf(gy), addressOf(gx), ...this.poolArgs(p));
  }

  /** Throws, naming the op and the row, if an index is outside [0, limit). */
  private checkRows(op: string, index: Storage, rows: number, limit: number): void {
    const bad = this.call('checkRows', addressOf(index), rows, limit);
    if (bad >= 0) throw new Error(`${op}: index ${this.view(index)[bad]} is out of range [0, ${limit})`);
  }

  gather(table: Storage, index: Storage, out: Storage, rows: number, cols: number): void {
    this.checkRows('gather', index, rows, table.size / cols);
    this.call('gather', addressOf(table), addressOf(index), addressOf(out), rows, cols);
  }

  scatterAdd(dst: Storage, index: Storage, src: Storage, rows: number, cols: number): void {
    this.checkRows('scatterAdd', index, rows, dst.size / cols);
    this.call('scatterAdd', addressOf(dst), addressOf(index), addressOf(src), rows, cols);
  }

  softmax(x: Storage, out: Storage, l: AxisLayout, log: boolean): void {
    this.parallel('softmax', addressOf(x), addressOf(out), l.outer, l.length, l.inner, log ? 1 : 0);
  }

  softmaxBackward(y: Storage, gy: Storage, gx: Storage, l: AxisLayout, log: boolean): void {
    this.parallel('softmaxBackward', addressOf(y), addressOf(gy), addressOf(gx), l.outer, l.length, l.inner, log ? 1 : 0);
  }

  l2Normalize(x: Storage, out: Storage, l: AxisLayout, eps: number): void {
    this.parallel('l2Normalize', addressOf(x), addressOf(out), l.outer, l.length, l.inner, eps);
  }

  blendNormalizeRows(x: Storage, y: Storage, out: Storage, rows: number, length: number, alpha: number, beta: number, eps: number): void {
    this.parallel('blendNormalizeRows', addressOf(x), addressOf(y), addressOf(out), rows, length, alpha, beta, eps);
  }

  l2NormalizeBackward(x: Storage, gy: Storage, gx: Storage, l: AxisLayout, eps: number): void {
    this.parallel('l2NormalizeBackward', addressOf(x), addressOf(gy), addressOf(gx), l.outer, l.length, l.inner, eps);
  }

  crossEntropy(logits: Storage, target: Storage, losses: Storage, rows: number, classes: number): void {
    this.checkRows('crossEntropy', target, rows, classes);
    this.parallel('crossEntropy', addressOf(logits), addressOf(target), addressOf(losses), rows, classes);
  }

  crossEntropyBackward(logits: Storage, target: Storage, gLoss: Storage, gLogits: Storage, rows: number, classes: number): void {
    this.parallel('crossEntropyBackward', addressOf(logits), addressOf(target), addressOf(gLoss), addressOf(gLogits), rows, classes);
  }

  bankStats(s: Storage, stats: Storage, p: MemoryBankParams): void {
    this.parallel('bankStats', addressOf(s), addressOf(stats), p.rows, p.cols, p.tau);
  }

  bankGrad(s: Storage, stats: Storage, index: Storage, g: Storage, q: Storage, p: MemoryBankParams): void {
    this.parallel('bankGrad', addressOf(s), addressOf(stats), addressOf(index), addressOf(g), addressOf(q), p.rows, p.cols, p.colOffset, p.tau, p.lambda);
  }

  augment(pixels: Storage, index: Storage, out: Storage, p: AugmentParams): void {
    const [low, high] = counterWords(p.counter);
    this.checkRows('augment', index, p.batch, (pixels.size * 4) / (p.height * p.width));
    this.call('augment', addressOf(pixels), addressOf(index), addressOf(out), p.batch, p.height, p.width, p.crop ? 1 : 0,
      p.key[0], p.key[1], low, high, p.scaleMin, p.scaleMax, Math.log(p.ratioMin), Math.log(p.ratioMax), p.flip ? 1 : 0, p.mean, p.std,
      p.blocks, p.rotateTurns, p.translate, p.erase, p.eraseScaleMin, p.eraseScaleMax, Math.log(p.eraseRatioMin), Math.log(p.eraseRatioMax));
  }

  sgdStep(param: Storage, grad: Storage, velocity: Storage, size: number, s: SgdParams): void {
    this.call('sgdStep', addressOf(param), addressOf(grad), addressOf(velocity), size, s.lr, s.momentum, s.dampening, s.weightDecay, s.nesterov ? 1 : 0);
  }
}
