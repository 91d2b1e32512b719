// The kernel table: every kernel the engine runs is declared here once, by name and by the
// record of arguments it takes (the storage it reads and writes, and its parameters). A
// backend is storage plus one implementation per declared kernel, checked by the type system
// (`Implementations`): a backend that lacks one does not compile. Ops run kernels through
// `backend.run(kernel, args)`; nothing forwards calls by hand.
//
// Kernels that belong to a model or method rather than to the engine are declared the same
// way in their own module and registered as an extension (`registerKernels`), with an
// implementation for every backend; the engine knows nothing about them.

import type {
  AxisLayout,
  BatchNormLayout,
  BinaryOp,
  BroadcastLayout,
  Conv2dParams,
  CopyLayout,
  MatmulParams,
  Pool2dParams,
  RandomParams,
  ReduceLayout,
  ReduceOp,
  SgdParams,
  Storage,
  TopKParams,
  UnaryOp,
} from './backend.js';
import type { ReferenceContext } from './backends/reference/context.js';
import type { WasmContext } from './backends/wasm/context.js';
import type { GpuContext } from './backends/webgpu/context.js';

/** A declared kernel: its name, and (as a type only) the record of arguments it takes. */
export interface Kernel<Args> {
  readonly name: string;
  /** Its slot in every backend family's table (in order of declaration): run() indexes an array, no lookup by name. */
  readonly id: number;
  /** Never set: carries the argument type. */
  readonly args?: Args;
}

let declaredKernels = 0;

/** Declares a kernel named `name` taking `Args`. */
export function kernel<Args>(name: string): Kernel<Args> {
  return { name, id: declaredKernels++ };
}

export type ArgsOf<K> = K extends Kernel<infer A> ? A : never;
export type KernelSet = Record<string, Kernel<unknown>>;

/** One function per kernel of `Set`, each given the backend's own context and the kernel's arguments. */
export type Implementations<Set extends KernelSet, Context> = { [Name in keyof Set]: (context: Context, args: ArgsOf<Set[Name]>) => void };

/** The engine's own kernels. */
export const KERNELS = {
  fill: kernel<{ out: Storage; value: number }>('fill'),
  random: kernel<{ out: Storage } & RandomParams>('random'),
  unary: kernel<{ op: UnaryOp; x: Storage; out: Storage; alpha: number }>('unary'),
  binary: kernel<{ op: BinaryOp; a: Storage; b: Storage; out: Storage } & BroadcastLayout>('binary'),
  copy: kernel<{ src: Storage; dst: Storage } & CopyLayout>('copy'),
  /** out = min(max(x, low), high), for low ≤ high (ReLU6 is clamp(x, 0, 6)). */
  clamp: kernel<{ x: Storage; out: Storage; low: number; high: number }>('clamp'),
  /** gx = gy where low < x < high, else 0: the gradient of clamp. */
  clampBackward: kernel<{ x: Storage; gy: Storage; gx: Storage; low: number; high: number }>('clampBackward'),
  reduce: kernel<{ op: ReduceOp; x: Storage; out: Storage } & ReduceLayout>('reduce'),
  /** values, indices [rows, k]: each row's k largest entries of s and their columns, in no particular order. */
  topK: kernel<{ s: Storage; values: Storage; indices: Storage } & TopKParams>('topK'),
  matmul: kernel<{ a: Storage; b: Storage; out: Storage; bias?: Storage } & MatmulParams>('matmul'),
  conv2d: kernel<{ x: Storage; w: Storage; out: Storage } & Conv2dParams>('conv2d'),
  conv2dBackwardInput: kernel<{ gy: Storage; w: Storage; gx: Storage } & Conv2dParams>('conv2dBackwardInput'),
  conv2dBackwardWeight: kernel<{ x: Storage; gy: Storage; gw: Storage } & Conv2dParams>('conv2dBackwardWeight'),
  /**
   * conv2d, conv2dBackwardInput and conv2dBackwardWeight for a 3×3 filter, stride 1, padding 1 and groups 1, by
   * Winograd's F(2×2, 3×3) (2.25× fewer multiplies; ops/conv2d.ts says where it is run). Workspaces, with T tiles
   * (2×2 blocks of outputs) in a chunk:
   * - WebAssembly, per part (asm/conv2d_winograd.ts): the forward and input gradient, the transformed filters twice
   *   (16·Cout·Cin floats, and packed) and 16·(Cin + Cout)·T of transformed tiles in a chunk of about 512 KiB, and
   *   one padded image; the weight gradient, 16·(Cin + Cout)·T in a chunk of about 1 MiB and one padded image and
   *   output gradient, plus 16·Cout·Cin shared floats per batch split (at most 16) for its partial sums.
   * - WebGPU (ops/conv2d_winograd.ts), the whole batch at once: 16·Cout·Cin + 16·(Cin + Cout)·T floats; the weight
   *   gradient 16·(Cin + Cout)·T plus 16·Cout·Cin per split of its sum over the tiles (runs of at most 64).
   */
  conv2dWinograd: kernel<{ x: Storage; w: Storage; out: Storage } & Conv2dParams>('conv2dWinograd'),
  conv2dWinogradBackwardInput: kernel<{ gy: Storage; w: Storage; gx: Storage } & Conv2dParams>('conv2dWinogradBackwardInput'),
  conv2dWinogradBackwardWeight: kernel<{ x: Storage; gy: Storage; gw: Storage } & Conv2dParams>('conv2dWinogradBackwardWeight'),
  /** conv2d where groups = inChannels = outChannels: one filter per channel, the same arguments. */
  depthwiseConv2d: kernel<{ x: Storage; w: Storage; out: Storage } & Conv2dParams>('depthwiseConv2d'),
  depthwiseConv2dBackwardInput: kernel<{ gy: Storage; w: Storage; gx: Storage } & Conv2dParams>('depthwiseConv2dBackwardInput'),
  depthwiseConv2dBackwardWeight: kernel<{ x: Storage; gy: Storage; gw: Storage } & Conv2dParams>('depthwiseConv2dBackwardWeight'),
  /** Biased per-channel mean and variance; running = (1 − m)·running + m·batch (unbiased variance). */
  batchNormStats: kernel<
    {
      x: Storage;
      mean: Storage;
      variance: Storage;
      runningMean: Storage;
      runningVariance: Storage;
      momentum: number;
    } & BatchNormLayout
  >('batchNormStats'),
  /**
   * y = (x − mean) / √(var + eps) · gamma + beta, then + residual where one is given, then the
   * activation (ACTIVATION_CODES): a residual block's tail in one pass over the activations.
   */
  batchNormForward: kernel<
    {
      x: Storage;
      mean: Storage;
      variance: Storage;
      gamma: Storage;
      beta: Storage;
      residual?: Storage;
      y: Storage;
      eps: number;
      activation: number;
    } & BatchNormLayout
  >('batchNormForward'),
  /**
   * Gradients of batchNormForward; `batchStats` says whether mean and variance depended on x.
   * With an activation, y is the forward's output and gy is first zeroed where the activation
   * was flat (y ≤ 0, and y ≥ 6 for ReLU6); gResidual, where given, receives that masked
   * gradient (the residual's).
   */
  batchNormBackward: kernel<
    {
      x: Storage;
      gy: Storage;
      y?: Storage;
      mean: Storage;
      variance: Storage;
      gamma: Storage;
      gx: Storage;
      gGamma: Storage;
      gBeta: Storage;
      gResidual?: Storage;
      eps: number;
      batchStats: boolean;
      activation: number;
    } & BatchNormLayout
  >('batchNormBackward'),
  maxPool2d: kernel<{ x: Storage; y: Storage; argmax: Storage } & Pool2dParams>('maxPool2d'),
  maxPool2dBackward: kernel<{ gy: Storage; argmax: Storage; gx: Storage } & Pool2dParams>('maxPool2dBackward'),
  avgPool2d: kernel<{ x: Storage; y: Storage } & Pool2dParams>('avgPool2d'),
  avgPool2dBackward: kernel<{ gy: Storage; gx: Storage } & Pool2dParams>('avgPool2dBackward'),
  /** out[r, :] = table[index[r], :] for rows of length `cols`. */
  gather: kernel<{ table: Storage; index: Storage; out: Storage; rows: number; cols: number }>('gather'),
  /** dst[index[r], :] += src[r, :], deterministic when indices repeat. */
  scatterAdd: kernel<{ dst: Storage; index: Storage; src: Storage; rows: number; cols: number }>('scatterAdd'),
  softmax: kernel<{ x: Storage; out: Storage; log: boolean } & AxisLayout>('softmax'),
  /** Given y = softmax(x) (or log-softmax) and gy, writes gx. */
  softmaxBackward: kernel<{ y: Storage; gy: Storage; gx: Storage; log: boolean } & AxisLayout>('softmaxBackward'),
  /** out = x / max(‖x‖, eps) along the axis. */
  l2Normalize: kernel<{ x: Storage; out: Storage; eps: number } & AxisLayout>('l2Normalize'),
  l2NormalizeBackward: kernel<{ x: Storage; gy: Storage; gx: Storage; eps: number } & AxisLayout>('l2NormalizeBackward'),
  /** Each contiguous row of α·x + β·y, over max(its L2 norm, eps). */
  blendNormalizeRows: kernel<{
    x: Storage;
    y: Storage;
    out: Storage;
    rows: number;
    length: number;
    alpha: number;
    beta: number;
    eps: number;
  }>('blendNormalizeRows'),
  /** losses[r] = logsumexp(logits[r, :]) − logits[r, target[r]]. */
  crossEntropy: kernel<{ logits: Storage; target: Storage; losses: Storage; rows: number; classes: number }>('crossEntropy'),
  /** gLogits[r, :] = gLoss[r] · (softmax(logits[r, :]) − onehot(target[r])). */
  crossEntropyBackward: kernel<{ logits: Storage; target: Storage; gLoss: Storage; gLogits: Storage; rows: number; classes: number }>(
    'crossEntropyBackward',
  ),
  /** In place: v = momentum·v + (1 − dampening)·(g + wd·p); p −= lr·(nesterov ? g + wd·p + momentum·v : v). */
  sgdStep: kernel<{ param: Storage; grad: Storage; velocity: Storage; size: number } & SgdParams>('sgdStep'),
} as const;

export type EngineKernels = typeof KERNELS;
/** The argument record of the engine's kernel `Name`. */
export type EngineArgs<Name extends keyof EngineKernels> = ArgsOf<EngineKernels[Name]>;

/** The context each kind of backend hands its kernel implementations. */
export interface BackendContexts {
  reference: ReferenceContext;
  wasm: WasmContext;
  webgpu: GpuContext;
}
export type BackendFamily = keyof BackendContexts;

type Implementation<Context> = (context: Context, args: never) => void;

/** Each backend family's implementations by kernel id: the engine's (set as its backend module loads) and the extensions'. */
const slots: { [Family in BackendFamily]: (Implementation<BackendContexts[Family]> | undefined)[] } = {
  reference: [],
  wasm: [],
  webgpu: [],
};
/** The registered extension kernels by name. */
const extensionKernels = new Map<string, Kernel<unknown>>();

/**
 * Adds the kernels of `set`, with one implementation per backend family, to every backend.
 * Registering the same kernels again is harmless; another kernel of a name already taken
 * (the engine's or an extension's) is an error.
 */
export function registerKernels<Set extends KernelSet>(
  set: Set,
  implementations: { [Family in BackendFamily]: Implementations<Set, BackendContexts[Family]> },
): void {
  for (const declaration of Object.values(set)) {
    const { name } = declaration,
      taken = extensionKernels.get(name);
    if (Object.hasOwn(KERNELS, name) || (taken && taken !== declaration)) throw new Error(`kernels: ${name} is declared twice`);
  }
  for (const [key, declaration] of Object.entries(set)) {
    extensionKernels.set(declaration.name, declaration);
    for (const family of Object.keys(slots) as BackendFamily[]) slots[family][declaration.id] = implementations[family][key] as never;
  }
}

/** The kernels of one backend family: the engine's own, and the registered extensions'. */
export class KernelTable<Context> {
  private readonly slots: (Implementation<Context> | undefined)[];

  constructor(
    private readonly family: BackendFamily,
    own: Implementations<EngineKernels, Context>,
  ) {
    this.slots = slots[family] as (Implementation<Context> | undefined)[];
    for (const name of Object.keys(KERNELS) as (keyof EngineKernels)[]) this.slots[KERNELS[name].id] = own[name] as Implementation<Context>;
  }

  run<Args>(context: Context, kernel: Kernel<Args>, args: Args): void {
    const implementation = this.slots[kernel.id];
    if (!implementation) throw new Error(`${kernel.name}: no ${this.family} kernel of that name (is its module imported?)`);
    implementation(context, args as never);
  }
}
