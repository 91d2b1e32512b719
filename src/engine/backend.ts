// The one interface every backend implements: storage, and the kernels of the kernel table
// (src/engine/kernels.ts) run by name. Autograd and shape checking live above it; a backend only
// moves numbers.

import type { Kernel } from './kernels.js';

export type DType = 'f32' | 'i32' | 'u32';
/** Host-side values; Float64Array only comes from (and goes to) the f64 reference backend. */
export type AnyTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array;

/** A backend's handle to one allocation of `size` elements of `dtype`. */
export interface Storage {
  readonly dtype: DType;
  readonly size: number;
}

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'relu'
  | 'abs'
  | 'square'
  | 'pow' // x ** alpha
  | 'addScalar' // x + alpha
  | 'mulScalar' // x * alpha
  | 'cast'; // numeric conversion to the output's dtype

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'maximum'
  | 'minimum'
  | 'reluBackward' // a * (b > 0): gradient a flowing through relu(b)
  | 'greater'
  | 'equal'; // 1 or 0

export type ReduceOp = 'sum' | 'max' | 'argmax';
/** What a fused pass ends in (batch norm's): nothing, ReLU, or ReLU6 (min(max(x, 0), 6)). */
export type Activation = 'none' | 'relu' | 'relu6';

/** Strides of an operand broadcast to `shape` (stride 0 on broadcast axes). */
export interface BroadcastLayout {
  shape: number[];
  aStrides: number[];
  bStrides: number[];
}

/** dst[dstOffset + Σ i_k·dstStrides_k] = src[srcOffset + Σ i_k·srcStrides_k] for every index i of `shape`. */
export interface CopyLayout {
  shape: number[];
  srcOffset: number;
  srcStrides: number[];
  dstOffset: number;
  dstStrides: number[];
}

/** out[kept index] = reduce over the reduced index of x[Σ kept·keptStrides + Σ reduced·reducedStrides]. */
export interface ReduceLayout {
  keptShape: number[];
  keptStrides: number[];
  reducedShape: number[];
  reducedStrides: number[];
}

/** C[b] = op(A[b]) · op(B[b]) (+ bias), C is M×N row-major; a batch stride of 0 broadcasts. */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

/** Conv2d over NCHW input and [Cout, Cin/groups, KH, KW] weights. */
export interface Conv2dParams {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outHeight: number;
  outWidth: number;
  groups: number;
}

/** Pooling over NCHW with a kernel window; average pooling counts padding (PyTorch's default). */
export interface Pool2dParams {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outHeight: number;
  outWidth: number;
}

/** An axis viewed as [outer, length, inner] of a contiguous tensor. */
export interface AxisLayout {
  outer: number;
  length: number;
  inner: number;
}

/** BatchNorm over NCHW: statistics per channel across batch × spatial. */
export interface BatchNormLayout {
  batch: number;
  channels: number;
  spatial: number;
}

/** The k largest entries of each row of s [rows, cols] (k ≤ cols). */
export interface TopKParams {
  rows: number;
  cols: number;
  k: number;
}

export interface SgdParams {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface RandomParams {
  distribution: 'uniform' | 'normal';
  /** Philox key (two 32-bit words) and the first counter value; see src/engine/random.ts. */
  key: [number, number];
  counter: number;
  /** uniform: [a, b); normal: mean a, standard deviation b. */
  a: number;
  b: number;
}

export interface MemoryStats {
  /** Allocations handed out and not yet freed. */
  liveBuffers: number;
  liveBytes: number;
  /** Allocations kept by the pool for reuse. */
  pooledBuffers: number;
  pooledBytes: number;
  /**
   * The most bytes live at once since the backend started or since resetPeak(): tensors and
   * the kernels' workspaces (which liveBytes leaves out on WebAssembly), not pooled memory.
   */
  peakBytes: number;
}

/** What kind of hardware executes the kernels; the automatic choice prefers hardware. */
export type BackendKind = 'reference' | 'cpu' | 'gpu-hardware' | 'gpu-software';

/**
 * Every kernel writes into outputs that the caller allocated, never into an input
 * (except sgdStep, which updates its parameter in place), and never reads a
 * buffer it writes in the same call.
 */
export interface Backend {
  readonly name: string;
  readonly kind: BackendKind;
  /** A human description: adapter name and driver, or CPU features. */
  readonly description: string;
  /** The most bytes one kernel may bind as a single operand (WebGPU's storage binding limit). */
  readonly maxBindingBytes: number;

  alloc(dtype: DType, size: number): Storage;
  free(storage: Storage): void;
  write(storage: Storage, data: AnyTypedArray): void;
  read(storage: Storage): Promise<AnyTypedArray>;
  /** Waits for all queued work; throws the first kernel error it saw. */
  sync(): Promise<void>;
  memory(): MemoryStats;
  /** Starts a new high-water mark of memory().peakBytes from the bytes live now. */
  resetPeak(): void;
  /** Releases pooled allocations and the device. */
  destroy(): void;
  /**
   * A fresh backend like this one on a new device, for after this one's was lost (a
   * DeviceLostError; see reopenBackend). Absent where there is no device to lose.
   */
  reopen?(): Promise<Backend>;

  /** Runs `kernel` (declared in src/engine/kernels.ts, or an extension registered with registerKernels) on `args`. */
  run<Args>(kernel: Kernel<Args>, args: Args): void;
}

export function typedArrayFor(dtype: DType, size: number): AnyTypedArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(size);
    case 'i32':
      return new Int32Array(size);
    case 'u32':
      return new Uint32Array(size);
    default:
      return dtype satisfies never;
  }
}
