// Creating tensors: from host data, constants, and seeded random numbers drawn on the device.

import type { AnyTypedArray, Backend, DType } from '../backend.js';
import { getBackend } from '../current.js';
import { KERNELS } from '../kernels.js';
import { Generator, globalGenerator } from '../random.js';
import { shapeSize, Tensor } from '../tensor.js';
import { formatShape } from './util.js';

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
}

export interface RandomOptions {
  backend?: Backend;
  /** The stream to draw from; advanced by the number of values drawn. */
  generator?: Generator;
  /** Shorthand for a fresh generator with this seed. */
  seed?: number;
}

export type NestedNumbers = number | NestedNumbers[];

/** A tensor holding `data`; the shape defaults to the data's (nested) shape. */
export function tensor(data: AnyTypedArray | NestedNumbers, shape?: readonly number[], options: CreateOptions = {}): Tensor {
  const inferredShape: number[] = [];
  const flat = ArrayBuffer.isView(data) ? data : flatten(data, inferredShape);
  const finalShape = shape ?? (ArrayBuffer.isView(data) ? [data.length] : inferredShape);
  if (shapeSize(finalShape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fill shape ${formatShape(finalShape)}`);
  }
  const dtype = options.dtype ?? dtypeOf(flat);
  const result = Tensor.empty(options.backend ?? getBackend(), finalShape, dtype);
  // Float64 data goes to the backend as is: the f64 reference keeps it, others round it.
  const typed =
    dtype === 'f32'
      ? flat instanceof Float64Array || flat instanceof Float32Array
        ? flat
        : Float32Array.from(flat)
      : dtype === 'i32'
        ? Int32Array.from(flat)
        : Uint32Array.from(flat);
  result.backend.write(result.storage, typed);
  return result;
}

function dtypeOf(data: AnyTypedArray | number[]): DType {
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint32Array) return 'u32';
  return 'f32';
}

function flatten(data: NestedNumbers, shape: number[], depth = 0, out: number[] = []): number[] {
  if (typeof data === 'number') {
    if (depth !== shape.length) throw new Error('tensor: ragged nested array');
    out.push(data);
    return out;
  }
  if (shape.length === depth) shape.push(data.length);
  else if (shape[depth] !== data.length) throw new Error('tensor: ragged nested array');
  for (const item of data) flatten(item, shape, depth + 1, out);
  return out;
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  const result = Tensor.empty(options.backend ?? getBackend(), shape, options.dtype ?? 'f32');
  if (result.size > 0) result.backend.run(KERNELS.fill, { out: result.storage, value });
  return result;
}

export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(like: Tensor): Tensor {
  return full(like.shape, 0, { dtype: like.dtype, backend: like.backend });
}

function randomTensor(shape: readonly number[], distribution: 'uniform' | 'normal', a: number, b: number, options: RandomOptions): Tensor {
  const generator = options.generator ?? (options.seed === undefined ? globalGenerator() : new Generator(options.seed));
  const result = Tensor.empty(options.backend ?? getBackend(), shape, 'f32');
  const counter = generator.reserve(result.size);
  if (result.size > 0) result.backend.run(KERNELS.random, { out: result.storage, distribution, key: generator.key, counter, a, b });
  return result;
}

/** Uniform numbers in [low, high) from the Philox stream, generated on the device. */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  return randomTensor(shape, 'uniform', options.low ?? 0, options.high ?? 1, options);
}

/** Normal numbers with the given mean and standard deviation, generated on the device. */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  return randomTensor(shape, 'normal', options.mean ?? 0, options.std ?? 1, options);
}
