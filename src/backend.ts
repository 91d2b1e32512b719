// The one interface every backend implements: storage plus a fixed set of kernels.
// Autograd and shape checking live above it; a backend only moves numbers.

export type DType = 'f32' | 'i32' | 'u32';
/** Host-side values; Float64Array only comes from (and goes to) the f64 reference backend. */
export type AnyTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array;

/** A backend's handle to one allocation of `size` elements of `dtype`. */
export interface Storage {
  readonly dtype: DType;
  readonly size: number;
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'relu' | 'abs' | 'square'
  | 'pow' // x ** alpha
  | 'addScalar' // x + alpha
  | 'mulScalar' // x * alpha
  | 'cast'; // numeric conversion to the output's dtype

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum'
  | 'reluBackward' // a * (b > 0): gradient a flowing through relu(b)
  | 'greater' | 'equal'; // 1 or 0

export type ReduceOp = 'sum' | 'max' | 'argmax';

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
  /** Philox key (two 32-bit words) and the first counter value; see src/random.ts. */
  key: [number, number];
  counter: number;
  /** uniform: [a, b); normal: mean a, standard deviation b. */
  a: number;
  b: number;
}

/**
 * One random augmentation per image of a batch (docs/method.md §1), drawn from Philox: image b
 * uses `blocks` blocks from counter + blocks·b (2, or 3 when it rotates, shifts or erases),
 * their words as uniforms in [0, 1): block 0 u0…u3, block 1 g0…g3, block 2 e0…e3.
 *   area = H·W·(scaleMin + (scaleMax − scaleMin)·u0), ratio = exp(log ratioMin + (log ratioMax − log ratioMin)·u1)
 *   cw = min(W, √(area·ratio)), ch = min(H, √(area/ratio)), x0 = (W − cw)·u2, y0 = (H − ch)·u3
 *   flipped when flip and g0 < ½; without crop the window is the whole image.
 * Output (i, j) samples the image bilinearly (edges clamped) at (x − ½, y − ½), where
 *   X = x0 + (j′ + ½)·cw/W, Y = y0 + (i + ½)·ch/H, j′ = flipped ? W − 1 − j : j,
 * and (x, y) = (X, Y) with 2 blocks; with 3, (X, Y) turned by θ = 2π·rotateTurns·(2g1 − 1)
 * about the window's centre, then shifted by translate·(W·(2g2 − 1), H·(2g3 − 1)).
 * The value is normalised, (pixel/255 − mean)/std, and set to 0 when e0 < erase and
 * (i + ½, j + ½) falls in the erased box: area H·W·(eraseScaleMin + (eraseScaleMax −
 * eraseScaleMin)·e1), aspect exp(log eraseRatioMin + (log eraseRatioMax − log eraseRatioMin)·e2),
 * height eh = min(H, √(area·aspect)), width ew = min(W, √(area/aspect)), corner
 * ((H − eh)·hi16(e3), (W − ew)·lo16(e3)) with the word's 16-bit halves as uniforms.
 */
export interface AugmentParams {
  batch: number;
  height: number;
  width: number;
  key: [number, number];
  counter: number;
  blocks: 2 | 3;
  crop: boolean;
  scaleMin: number;
  scaleMax: number;
  ratioMin: number;
  ratioMax: number;
  flip: boolean;
  /** Largest rotation, in turns (0.25: a quarter turn). */
  rotateTurns: number;
  /** Largest shift, as a fraction of the side. */
  translate: number;
  /** Probability of random erasing. */
  erase: number;
  eraseScaleMin: number;
  eraseScaleMax: number;
  eraseRatioMin: number;
  eraseRatioMax: number;
  mean: number;
  std: number;
}

/**
 * Per-row statistics of the memory-bank softmaxes (docs/method.md §3), merged chunk by chunk
 * (an online softmax), 8 floats per row: the running max M of the similarities s, then
 *   Σ exp((s − M)/τ),  Σ exp(s − M),  Σ exp((s − M)/2),  Σ exp(s − M)·s,  and 3 unused.
 * Before the first chunk: M = −3.4e38 (the lowest f32), sums 0.
 */
export const BANK_STATS = 8;

export interface MemoryBankParams {
  /** Batch rows and the bank columns of this chunk. */
  rows: number;
  cols: number;
  /** The chunk's first bank row, to recognise each batch row's own instance. */
  colOffset: number;
  tau: number;
  lambda: number;
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

  fill(out: Storage, value: number): void;
  random(out: Storage, params: RandomParams): void;
  unary(op: UnaryOp, x: Storage, out: Storage, alpha: number): void;
  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, layout: BroadcastLayout): void;
  copy(src: Storage, dst: Storage, layout: CopyLayout): void;
  reduce(op: ReduceOp, x: Storage, out: Storage, layout: ReduceLayout): void;

  /** values, indices [rows, k]: each row's k largest entries of s and their columns, in no particular order. */
  topK(s: Storage, values: Storage, indices: Storage, params: TopKParams): void;

  matmul(a: Storage, b: Storage, out: Storage, params: MatmulParams, bias?: Storage): void;
  conv2d(x: Storage, w: Storage, out: Storage, params: Conv2dParams): void;
  conv2dBackwardInput(gy: Storage, w: Storage, gx: Storage, params: Conv2dParams): void;
  conv2dBackwardWeight(x: Storage, gy: Storage, gw: Storage, params: Conv2dParams): void;

  /** Biased per-channel mean and variance, and running = (1-m)·running + m·batch (unbiased var). */
  batchNormStats(
    x: Storage, mean: Storage, variance: Storage, layout: BatchNormLayout,
    running: { mean: Storage; variance: Storage; momentum: number },
  ): void;
  /** y = (x - mean) / sqrt(var + eps) · gamma + beta. */
  batchNormForward(
    x: Storage, mean: Storage, variance: Storage, gamma: Storage, beta: Storage, y: Storage,
    layout: BatchNormLayout, eps: number,
  ): void;
  /** Gradients of batchNormForward; `batchStats` says whether mean/variance depended on x. */
  batchNormBackward(
    x: Storage, gy: Storage, mean: Storage, variance: Storage, gamma: Storage,
    gx: Storage, gGamma: Storage, gBeta: Storage, layout: BatchNormLayout, eps: number, batchStats: boolean,
  ): void;

  maxPool2d(x: Storage, y: Storage, argmax: Storage, params: Pool2dParams): void;
  maxPool2dBackward(gy: Storage, argmax: Storage, gx: Storage, params: Pool2dParams): void;
  avgPool2d(x: Storage, y: Storage, params: Pool2dParams): void;
  avgPool2dBackward(gy: Storage, gx: Storage, params: Pool2dParams): void;

  /** out[r, :] = table[index[r], :] for rows of length `cols`. */
  gather(table: Storage, index: Storage, out: Storage, rows: number, cols: number): void;
  /** dst[index[r], :] += src[r, :], deterministic when indices repeat. */
  scatterAdd(dst: Storage, index: Storage, src: Storage, rows: number, cols: number): void;

  softmax(x: Storage, out: Storage, layout: AxisLayout, log: boolean): void;
  /** Given y = softmax(x) (or log-softmax) and gy, writes gx. */
  softmaxBackward(y: Storage, gy: Storage, gx: Storage, layout: AxisLayout, log: boolean): void;
  /** out = x / max(||x||, eps) along the axis. */
  l2Normalize(x: Storage, out: Storage, layout: AxisLayout, eps: number): void;
  l2NormalizeBackward(x: Storage, gy: Storage, gx: Storage, layout: AxisLayout, eps: number): void;
  /** Each contiguous row of α·x + β·y, over max(its L2 norm, eps). */
  blendNormalizeRows(x: Storage, y: Storage, out: Storage, rows: number, length: number, alpha: number, beta: number, eps: number): void;
  /** losses[r] = logsumexp(logits[r, :]) - logits[r, target[r]]. */
  crossEntropy(logits: Storage, target: Storage, losses: Storage, rows: number, classes: number): void;
  /** gLogits[r, :] = gLoss[r] · (softmax(logits[r, :]) - onehot(target[r])). */
  crossEntropyBackward(
    logits: Storage, target: Storage, gLoss: Storage, gLogits: Storage, rows: number, classes: number,
  ): void;

  /** Merges the chunk of similarities s [rows, cols] into the row statistics (BANK_STATS). */
  bankStats(s: Storage, stats: Storage, params: MemoryBankParams): void;
  /**
   * From the final statistics, for the chunk: g = ∂L/∂s = (p − y)/(Bτ) + λ/(2B)·p̃·(s − Σp̃s)
   * and q = y − p, where p = softmax(s/τ), p̃ = softmax(s) over the whole bank, y the
   * one-hot of index[b] (B = rows).
   */
  bankGrad(s: Storage, stats: Storage, index: Storage, g: Storage, q: Storage, params: MemoryBankParams): void;

  /** out [batch, H·W] f32 from images of 8-bit pixels packed four to a u32, picked by index. */
  augment(pixels: Storage, index: Storage, out: Storage, params: AugmentParams): void;

  /** In place: v = momentum·v + (1-dampening)·(g + wd·p); p -= lr·(nesterov ? g + wd·p + momentum·v : v). */
  sgdStep(param: Storage, grad: Storage, velocity: Storage, size: number, params: SgdParams): void;
}

export function bytesPerElement(_dtype: DType): number {
  return 4; // every dtype we support is 32 bits wide
}

export function typedArrayFor(dtype: DType, size: number): AnyTypedArray {
  switch (dtype) {
    case 'f32': return new Float32Array(size);
    case 'i32': return new Int32Array(size);
    case 'u32': return new Uint32Array(size);
    default: return dtype satisfies never;
  }
}
