// The tape: which op made a tensor, from which inputs, with which attributes.

import type { Activation } from '../backend.js';
import type { Conv2dAlgorithm } from '../ops/conv2d.js';
import type { Conv2dGeometry, Pool2dGeometry } from '../ops/geometry.js';
import type { Tensor } from '../tensor.js';

/** An op whose gradient rule needs nothing beyond its inputs. */
type NoAttrs = Record<string, never>;

/** Every differentiable op and the attributes its gradient rule needs. */
export interface OpAttrs {
  add: NoAttrs;
  sub: NoAttrs;
  mul: NoAttrs;
  div: NoAttrs;
  maximum: NoAttrs;
  minimum: NoAttrs;
  neg: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  rsqrt: NoAttrs;
  square: NoAttrs;
  abs: NoAttrs;
  pow: { exponent: number };
  relu: NoAttrs;
  clamp: { low: number; high: number };
  addScalar: NoAttrs;
  mulScalar: { value: number };
  sum: { axes: number[] };
  max: { axes: number[] };
  matmul: { transA: boolean; transB: boolean };
  linear: NoAttrs;
  conv2d: { geometry: Conv2dGeometry; algorithm: Conv2dAlgorithm };
  batchNorm: { eps: number; batchStats: boolean; activation: Activation };
  maxPool2d: { geometry: Pool2dGeometry };
  avgPool2d: { geometry: Pool2dGeometry };
  reshape: NoAttrs;
  broadcastTo: NoAttrs;
  transpose: { perm: number[] };
  slice: { starts: number[] };
  concat: { axis: number };
  gather: NoAttrs;
  scatterAdd: NoAttrs;
  softmax: { axis: number };
  logSoftmax: { axis: number };
  l2Normalize: { axis: number; eps: number };
  blendNormalize: { alpha: number; beta: number; eps: number };
  crossEntropy: NoAttrs;
}

export type OpName = keyof OpAttrs;

export interface TapeNode<K extends OpName = OpName> {
  op: K;
  attrs: OpAttrs[K];
  inputs: Tensor[];
  output: Tensor;
  /** Extra tensors computed by the forward pass that the gradient reuses (batch statistics, pool indices). */
  saved: Tensor[];
}

let gradEnabled = true;

/** Runs fn without recording on the tape. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Records `output = op(inputs)` when some input needs a gradient; returns output. */
export function record<K extends OpName>(op: K, attrs: OpAttrs[K], inputs: Tensor[], output: Tensor, saved: Tensor[] = []): Tensor {
  if (gradEnabled && inputs.some((input) => input.requiresGrad)) {
    output.requiresGrad = true;
    output.node = { op, attrs, inputs, output, saved } as TapeNode;
  } else {
    for (const tensor of saved) tensor.dispose();
  }
  return output;
}
