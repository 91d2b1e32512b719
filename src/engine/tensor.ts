// Tensor: a shaped view of backend storage, plus its place on the autograd tape.

import { backward } from './autograd/backward.js';
import type { TapeNode } from './autograd/tape.js';
import type { AnyTypedArray, Backend, DType, Storage } from './backend.js';
import * as ops from './ops/index.js';
import { track } from './scope.js';

/** Storage shared by a tensor and its reshaped aliases; freed when the last one is disposed. */
class SharedStorage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
  ) {}

  release(): void {
    if (--this.refs === 0) this.backend.free(this.storage);
  }
}

let nextId = 0;

export class Tensor {
  readonly isTensor = true;
  readonly id = nextId++;
  readonly size: number;
  requiresGrad = false;
  /** Accumulated gradient of a leaf that requires grad (set by backward()). */
  grad: Tensor | null = null;
  /** @internal How this tensor was computed, when it needs a gradient. */
  node: TapeNode | null = null;
  private shared: SharedStorage | null;

  /** @internal Use the creation functions (tensor, zeros, randn…) instead. */
  constructor(
    readonly backend: Backend,
    readonly shape: readonly number[],
    readonly dtype: DType,
    storage: Storage | SharedStorage,
  ) {
    this.size = shapeSize(shape);
    if (storage instanceof SharedStorage) {
      storage.refs++;
      this.shared = storage;
    } else {
      this.shared = new SharedStorage(backend, storage);
    }
    track(this);
  }

  /** @internal A new, uninitialised tensor. */
  static empty(backend: Backend, shape: readonly number[], dtype: DType = 'f32'): Tensor {
    for (const dim of shape) {
      if (!Number.isInteger(dim) || dim < 0) throw new Error(`invalid shape [${shape.join(', ')}]`);
    }
    return new Tensor(backend, [...shape], dtype, backend.alloc(dtype, shapeSize(shape)));
  }

  /** @internal A tensor of another shape over the same storage (same element count). */
  view(shape: readonly number[]): Tensor {
    return new Tensor(this.backend, [...shape], this.dtype, this.sharedStorage());
  }

  /** The backend storage; throws if this tensor was disposed. */
  get storage(): Storage {
    return this.sharedStorage().storage;
  }

  get disposed(): boolean {
    return this.shared === null;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Frees this tensor's storage (once no alias uses it). Disposing twice is harmless. */
  dispose(): void {
    if (!this.shared) return;
    this.shared.release();
    this.shared = null;
  }

  /** Copies the values to the host. */
  async data(): Promise<AnyTypedArray> {
    return this.backend.read(this.storage);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item(): tensor has shape [${this.shape.join(', ')}], not one element`);
    return (await this.data())[0]!;
  }

  async toArray(): Promise<number[]> {
    return Array.from(await this.data());
  }

  /** Marks this tensor as a leaf whose gradient backward() accumulates into `.grad`. */
  requireGrad(requires = true): this {
    if (requires && this.dtype !== 'f32') throw new Error(`requireGrad(): only f32 tensors have gradients, this one is ${this.dtype}`);
    this.requiresGrad = requires;
    return this;
  }

  /** Reverse-mode differentiation from this tensor (a scalar, unless `gradient` is given). */
  backward(gradient?: Tensor): void {
    backward(this, gradient);
  }

  /** A tensor with the same values that the tape does not connect to this one. */
  detach(): Tensor {
    return this.view(this.shape);
  }

  toString(): string {
    return `Tensor(${this.dtype}[${this.shape.join(', ')}]${this.disposed ? ', disposed' : ''})`;
  }

  private sharedStorage(): SharedStorage {
    if (!this.shared) throw new Error(`${this.describe()} was disposed and cannot be used`);
    return this.shared;
  }

  private describe(): string {
    return `tensor #${this.id} ${this.dtype}[${this.shape.join(', ')}]`;
  }

  // Operations, as methods; each is documented where it is defined in src/ops/.
  add(b: Tensor | number): Tensor {
    return ops.add(this, b);
  }
  sub(b: Tensor | number): Tensor {
    return ops.sub(this, b);
  }
  mul(b: Tensor | number): Tensor {
    return ops.mul(this, b);
  }
  div(b: Tensor | number): Tensor {
    return ops.div(this, b);
  }
  maximum(b: Tensor): Tensor {
    return ops.maximum(this, b);
  }
  minimum(b: Tensor): Tensor {
    return ops.minimum(this, b);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  pow(exponent: number): Tensor {
    return ops.pow(this, exponent);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  clamp(low: number, high: number): Tensor {
    return ops.clamp(this, low, high);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  sum(axes?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axes, keepDims);
  }
  mean(axes?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axes, keepDims);
  }
  max(axes?: number | number[], keepDims = false): Tensor {
    return ops.max(this, axes, keepDims);
  }
  argmax(axis: number): Tensor {
    return ops.argmax(this, axis);
  }
  matmul(b: Tensor, options?: ops.MatmulOptions): Tensor {
    return ops.matmul(this, b, options);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  transpose(perm?: readonly number[]): Tensor {
    return ops.transpose(this, perm);
  }
  slice(starts: readonly number[], sizes: readonly number[]): Tensor {
    return ops.slice(this, starts, sizes);
  }
  gather(index: Tensor): Tensor {
    return ops.gather(this, index);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  l2Normalize(axis = -1): Tensor {
    return ops.l2Normalize(this, axis);
  }
}

export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}
