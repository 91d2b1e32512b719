// Elementwise ops: unary maps, scalar maps and broadcasting binary ops.

import { type OpName, record } from '../autograd/tape.js';
import type { BinaryOp, DType, UnaryOp } from '../backend.js';
import { KERNELS } from '../kernels.js';
import { Tensor } from '../tensor.js';
import {
  broadcastShapes,
  broadcastStrides,
  checkDType,
  checkInputs,
  contiguousStrides,
  formatShape,
  sameShape,
  simplifyLayout,
} from './util.js';

/** Runs a unary kernel; `tapeOp` names the gradient rule, or null for ops with none. */
function unary(op: UnaryOp, tapeOp: OpName | null, x: Tensor, alpha = 0, attrs: object = {}): Tensor {
  const backend = checkInputs(op, x);
  checkDType(op, x, 'f32');
  const out = Tensor.empty(backend, x.shape, 'f32');
  if (out.size > 0) backend.run(KERNELS.unary, { op, x: x.storage, out: out.storage, alpha });
  return tapeOp ? record(tapeOp, attrs as never, [x], out) : out;
}

export const neg = (x: Tensor): Tensor => unary('neg', 'neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', 'exp', x);
export const log = (x: Tensor): Tensor => unary('log', 'log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', 'sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', 'rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', 'square', x);
export const abs = (x: Tensor): Tensor => unary('abs', 'abs', x);
export const relu = (x: Tensor): Tensor => unary('relu', 'relu', x);
/** x ** exponent for a constant exponent. */
export const pow = (x: Tensor, exponent: number): Tensor => unary('pow', 'pow', x, exponent, { exponent });
export const addScalar = (x: Tensor, value: number): Tensor => unary('addScalar', 'addScalar', x, value);
export const mulScalar = (x: Tensor, value: number): Tensor => unary('mulScalar', 'mulScalar', x, value, { value });

/** Numeric conversion (f32 → i32 truncates toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = checkInputs('cast', x);
  if (x.dtype === dtype) return x.view(x.shape);
  const out = Tensor.empty(backend, x.shape, dtype);
  if (out.size > 0) backend.run(KERNELS.unary, { op: 'cast', x: x.storage, out: out.storage, alpha: 0 });
  return out;
}

function binary(op: BinaryOp, tapeOp: OpName | null, a: Tensor, b: Tensor): Tensor {
  const backend = checkInputs(op, a, b);
  checkDType(op, a, 'f32');
  checkDType(op, b, 'f32');
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = Tensor.empty(backend, shape, 'f32');
  if (out.size > 0) {
    const simple = simplifyLayout(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
    backend.run(KERNELS.binary, {
      op,
      a: a.storage,
      b: b.storage,
      out: out.storage,
      shape: simple.shape,
      aStrides: simple.strides[0]!,
      bStrides: simple.strides[1]!,
    });
  }
  return tapeOp ? record(tapeOp, {} as never, [a, b], out) : out;
}

export function add(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? addScalar(a, b) : binary('add', 'add', a, b);
}

export function sub(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? addScalar(a, -b) : binary('sub', 'sub', a, b);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? mulScalar(a, b) : binary('mul', 'mul', a, b);
}

export function div(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? mulScalar(a, 1 / b) : binary('div', 'div', a, b);
}

export const maximum = (a: Tensor, b: Tensor): Tensor => binary('maximum', 'maximum', a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => binary('minimum', 'minimum', a, b);
/** 1 where a > b, else 0 (no gradient). */
export const greater = (a: Tensor, b: Tensor): Tensor => binary('greater', null, a, b);
/** 1 where a == b, else 0 (no gradient). */
export const equal = (a: Tensor, b: Tensor): Tensor => binary('equal', null, a, b);
/** @internal The gradient g flowing back through relu(x). */
export const reluBackward = (g: Tensor, x: Tensor): Tensor => binary('reluBackward', null, g, x);

/** Broadcasts x to `shape` (materialised). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const backend = checkInputs('broadcastTo', x);
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new Error(`broadcastTo: shape ${formatShape(x.shape)} cannot be broadcast to ${formatShape(shape)}`);
  }
  if (sameShape(x.shape, shape)) return record('broadcastTo', {}, [x], x.view(shape));
  const out = Tensor.empty(backend, shape, x.dtype);
  if (out.size > 0) {
    const simple = simplifyLayout(shape, [broadcastStrides(x.shape, shape), contiguousStrides(shape)]);
    backend.run(KERNELS.copy, {
      src: x.storage,
      dst: out.storage,
      shape: simple.shape,
      srcOffset: 0,
      srcStrides: simple.strides[0]!,
      dstOffset: 0,
      dstStrides: simple.strides[1]!,
    });
  }
  return record('broadcastTo', {}, [x], out);
}
