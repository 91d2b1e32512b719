// The gradient of every op, in one table typed so that a missing rule is a compile error.
// Each rule gets the output gradient g and the tape node, and returns one gradient per input
// (null for inputs without one, such as indices). Rules run with the tape off.

import { clampBackward } from '../ops/clamp.js';
import { conv2dBackwardInput, conv2dBackwardWeight } from '../ops/conv2d.js';
import * as ops from '../ops/index.js';
import { copyRegion } from '../ops/layout.js';
import { batchNormBackward, crossEntropyBackward, l2NormalizeBackward, softmaxBackward } from '../ops/normalization.js';
import { avgPool2dBackward, maxPool2dBackward } from '../ops/pool.js';
import { reducedShape } from '../ops/reduce.js';
import { contiguousStrides, sameShape } from '../ops/util.js';
import type { Tensor } from '../tensor.js';
import type { OpAttrs, OpName, TapeNode } from './tape.js';

export type GradRule<K extends OpName> = (g: Tensor, node: TapeNode<K> & { attrs: OpAttrs[K] }) => (Tensor | null)[];

/** Sums g over the axes along which `shape` was broadcast to g's shape. */
function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const offset = g.rank - shape.length;
  const axes = g.shape.map((_, i) => i).filter((i) => i < offset || (shape[i - offset] === 1 && g.shape[i] !== 1));
  return ops.sum(g, axes, false).reshape(shape);
}

/** The gradient `compute` gives, or null when `input` needs none (a frozen weight, the data). */
function ifNeeded(input: Tensor | undefined, compute: () => Tensor): Tensor | null {
  return input?.requiresGrad ? compute() : null;
}

/** The 0/1 mask of where `a` wins against `b`, with ties split in half. */
function winnerMask(a: Tensor, b: Tensor): Tensor {
  return ops.greater(a, b).add(ops.equal(a, b).mul(0.5));
}

export const gradRules: { [K in OpName]: GradRule<K> } = {
  // d(a+b) = g, g
  add: (g, { inputs: [a, b] }) => [unbroadcast(g, a!.shape), unbroadcast(g, b!.shape)],
  // d(a-b) = g, -g
  sub: (g, { inputs: [a, b] }) => [unbroadcast(g, a!.shape), unbroadcast(g.neg(), b!.shape)],
  // d(ab) = g·b, g·a
  mul: (g, { inputs: [a, b] }) => [unbroadcast(g.mul(b!), a!.shape), unbroadcast(g.mul(a!), b!.shape)],
  // d(a/b) = g/b, -g·a/b²
  div: (g, { inputs: [a, b] }) => [unbroadcast(g.div(b!), a!.shape), unbroadcast(g.mul(a!).div(b!.square()).neg(), b!.shape)],
  // d max(a,b) = g·[a>b], g·[b>a] (ties share)
  maximum: (g, { inputs: [a, b] }) => {
    const mask = winnerMask(a!, b!);
    return [unbroadcast(g.mul(mask), a!.shape), unbroadcast(g.mul(mask.neg().add(1)), b!.shape)];
  },
  // d min(a,b) = g·[a<b], g·[b<a] (ties share)
  minimum: (g, { inputs: [a, b] }) => {
    const mask = winnerMask(b!, a!);
    return [unbroadcast(g.mul(mask), a!.shape), unbroadcast(g.mul(mask.neg().add(1)), b!.shape)];
  },
  neg: (g) => [g.neg()],
  // d exp(x) = g·exp(x)
  exp: (g, { output }) => [g.mul(output)],
  // d log(x) = g/x
  log: (g, { inputs: [x] }) => [g.div(x!)],
  // d sqrt(x) = g / (2·sqrt(x))
  sqrt: (g, { output }) => [g.div(output).mul(0.5)],
  // d x^-½ = -½·x^-3/2 = -½·y³
  rsqrt: (g, { output }) => [g.mul(output.pow(3)).mul(-0.5)],
  // d x² = 2x·g
  square: (g, { inputs: [x] }) => [g.mul(x!).mul(2)],
  // d |x| = sign(x)·g
  abs: (g, { inputs: [x] }) => {
    const zero = ops.zeros([], { backend: x!.backend });
    return [g.mul(ops.greater(x!, zero).sub(ops.greater(zero, x!)))];
  },
  // d x^p = p·x^(p-1)·g
  pow: (g, { inputs: [x], attrs }) => [g.mul(x!.pow(attrs.exponent - 1)).mul(attrs.exponent)],
  // d relu(x) = g·[x>0]
  relu: (g, { inputs: [x] }) => [ops.reluBackward(g, x!)],
  // d clamp(x) = g·[low < x < high]
  clamp: (g, { inputs: [x], attrs: { low, high } }) => [clampBackward(x!, g, low, high)],
  addScalar: (g) => [g],
  mulScalar: (g, { attrs }) => [g.mul(attrs.value)],
  // d Σx = g broadcast back over the reduced axes
  sum: (g, { inputs: [x], attrs }) => [ops.broadcastTo(g.reshape(reducedShape(x!.shape, attrs.axes, true)), x!.shape)],
  // d max x = g at the maxima, shared among ties
  max: (g, { inputs: [x], output, attrs }) => {
    const keptShape = reducedShape(x!.shape, attrs.axes, true);
    const mask = ops.equal(x!, output.reshape(keptShape));
    return [mask.mul(g.reshape(keptShape)).div(mask.sum(attrs.axes, true))];
  },
  // C = op(A)·op(B): dA = g·op(B)ᵀ, dB = op(A)ᵀ·g, written for each transposition
  matmul: (g, { inputs: [a, b], attrs: { transA, transB } }) => {
    const gA = () => (transA ? ops.matmul(b!, g, { transA: transB, transB: true }) : ops.matmul(g, b!, { transB: !transB }));
    const gB = () => (transB ? ops.matmul(g, a!, { transA: true, transB: transA }) : ops.matmul(a!, g, { transA: !transA }));
    return [ifNeeded(a, () => sumBatch(gA(), a!.rank)), ifNeeded(b, () => sumBatch(gB(), b!.rank))];
  },
  // y = x·Wᵀ + b: dx = g·W, dW = gᵀ·x, db = Σ_rows g
  linear: (g, { inputs: [x, w, bias] }) => [
    ifNeeded(x, () => ops.matmul(g, w!)),
    ifNeeded(w, () => ops.matmul(g, x!, { transA: true })),
    ...(bias ? [ifNeeded(bias, () => ops.sum(g, 0))] : []),
  ],
  conv2d: (g, { inputs: [x, w], attrs: { geometry, algorithm } }) => [
    ifNeeded(x, () => conv2dBackwardInput(g, w!, geometry, algorithm)),
    ifNeeded(w, () => conv2dBackwardWeight(x!, g, geometry, algorithm)),
  ],
  // one kernel: the activation's mask from the output, then batch norm's gradients, and the residual's
  batchNorm: (g, { inputs: [x, gamma, , residual], saved: [mean, variance], output, attrs }) =>
    batchNormBackward(x!, g, {
      mean: mean!,
      variance: variance!,
      gamma: gamma!,
      eps: attrs.eps,
      batchStats: attrs.batchStats,
      activation: attrs.activation,
      output,
      residual: residual?.requiresGrad === true,
    }),
  maxPool2d: (g, { saved: [argmax], attrs }) => [maxPool2dBackward(g, argmax!, attrs.geometry)],
  avgPool2d: (g, { attrs }) => [avgPool2dBackward(g, attrs.geometry)],
  reshape: (g, { inputs: [x] }) => [g.reshape(x!.shape)],
  broadcastTo: (g, { inputs: [x] }) => [unbroadcast(g, x!.shape)],
  // the inverse permutation
  transpose: (g, { attrs: { perm } }) => [g.transpose(perm.map((_, i) => perm.indexOf(i)))],
  // zeros with g written back into the sliced block
  slice: (g, { inputs: [x], attrs: { starts } }) => {
    const gx = ops.zeros(x!.shape, { backend: x!.backend });
    const strides = contiguousStrides(x!.shape);
    const offset = starts.reduce((sum, start, i) => sum + start * strides[i]!, 0);
    copyRegion(g, gx, g.shape, 0, contiguousStrides(g.shape), offset, strides);
    return [gx];
  },
  // each input's block of g
  concat: (g, { inputs, attrs: { axis } }) => {
    let start = 0;
    return inputs.map((input) => {
      const starts = g.shape.map((_, i) => (i === axis ? start : 0));
      start += input.shape[axis]!;
      return g.slice(starts, input.shape);
    });
  },
  gather: (g, { inputs: [table, index] }) => [ops.scatterAdd(ops.zerosLike(table!), index!, g), null],
  scatterAdd: (g, { inputs: [, index] }) => [g, null, g.gather(index!)],
  // d softmax: y·(g - Σ g·y)
  softmax: (g, { output, attrs }) => [softmaxBackward(output, g, attrs.axis, false)],
  // d log-softmax: g - exp(y)·Σ g
  logSoftmax: (g, { output, attrs }) => [softmaxBackward(output, g, attrs.axis, true)],
  // d x/||x||: (g - y·(g·y)) / ||x||
  l2Normalize: (g, { inputs: [x], attrs }) => [l2NormalizeBackward(x!, g, attrs.axis, attrs.eps)],
  // the blend's gradient through l2Normalize, then α and β of it
  blendNormalize: (g, { inputs: [x, y], attrs: { alpha, beta, eps } }) => {
    const blended = x!.mul(alpha).add(y!.mul(beta));
    const gBlend = l2NormalizeBackward(blended, g, blended.rank - 1, eps);
    return [gBlend.mul(alpha), gBlend.mul(beta)];
  },
  // d CE_r: g_r·(softmax(logits_r) - onehot(target_r))
  crossEntropy: (g, { inputs: [logits, targets] }) => [crossEntropyBackward(logits!, targets!, g), null],
};

/** Sums a batched matmul gradient over the batch axes an unbatched operand was broadcast along. */
function sumBatch(grad: Tensor, rank: number): Tensor {
  if (grad.rank === rank) return grad;
  return ops.sum(grad, [...Array(grad.rank - rank).keys()]);
}
