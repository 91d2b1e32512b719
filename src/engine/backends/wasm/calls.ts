// The records the engine's WebAssembly kernels (asm/*.ts) take, one declaration per export.
// scripts/asm.mjs generates the AssemblyScript side from these (asm/generated.ts) and the
// host's writers (calls.writers.ts).

import { WRITERS } from './calls.writers.js';
import { asmCall, useWriters } from './records.js';

/** The geometry every conv2d export reads (Conv2dParams). */
const CONV = {
  batch: 'i32',
  inChannels: 'i32',
  height: 'i32',
  width: 'i32',
  outChannels: 'i32',
  kernelH: 'i32',
  kernelW: 'i32',
  strideH: 'i32',
  strideW: 'i32',
  padH: 'i32',
  padW: 'i32',
  outHeight: 'i32',
  outWidth: 'i32',
  groups: 'i32',
} as const;
/** A per-part workspace: part p's starts at workspace + p·workspaceStride (WasmContext.parallelWithScratch). */
const WORKSPACE = { workspace: 'ptr', workspaceStride: 'i32' } as const;
/** Pool2dParams. */
const POOL = {
  batch: 'i32',
  channels: 'i32',
  height: 'i32',
  width: 'i32',
  kernelH: 'i32',
  kernelW: 'i32',
  strideH: 'i32',
  strideW: 'i32',
  padH: 'i32',
  padW: 'i32',
  outHeight: 'i32',
  outWidth: 'i32',
} as const;
/** An axis viewed as [outer, length, inner] (AxisLayout). */
const AXIS = { outer: 'i32', length: 'i32', inner: 'i32' } as const;
const CAST = { x: 'ptr', out: 'ptr', size: 'i32' } as const;
const parallel = { parallel: true };

export const ASM_CALLS = {
  fill: asmCall('fill', { out: 'ptr', size: 'i32', bits: 'u32' }),
  unary: asmCall('unary', { op: 'i32', x: 'ptr', out: 'ptr', size: 'i32', alpha: 'f32' }),
  castF32ToI32: asmCall('castF32ToI32', CAST),
  castI32ToF32: asmCall('castI32ToF32', CAST),
  /** layout: a block of two operands (WasmContext.layout). */
  binary: asmCall('binary', { op: 'i32', a: 'ptr', b: 'ptr', out: 'ptr', layout: 'ptr' }, parallel),
  copy: asmCall('copy', { src: 'ptr', srcOffset: 'i32', dst: 'ptr', dstOffset: 'i32', layout: 'ptr' }),
  clamp: asmCall('clamp', { x: 'ptr', out: 'ptr', size: 'i32', low: 'f32', high: 'f32' }, parallel),
  clampBackward: asmCall('clampBackward', { x: 'ptr', gy: 'ptr', gx: 'ptr', size: 'i32', low: 'f32', high: 'f32' }, parallel),
  random: asmCall('random', {
    out: 'ptr',
    size: 'i32',
    normal: 'bool',
    key0: 'u32',
    key1: 'u32',
    counterLow: 'u32',
    counterHigh: 'u32',
    a: 'f32',
    b: 'f32',
  }),
  /** kept, reduced: one-operand layout blocks. */
  reduce: asmCall('reduce', { op: 'i32', x: 'ptr', out: 'ptr', keptSize: 'i32', kept: 'ptr', reduced: 'ptr' }),
  topK: asmCall('topK', { s: 'ptr', values: 'ptr', indices: 'ptr', rows: 'i32', cols: 'i32', k: 'i32' }, parallel),
  matmulWorkspaceBytes: asmCall('matmulWorkspaceBytes', { m: 'i32', n: 'i32', k: 'i32' }),
  matmul: asmCall(
    'matmul',
    {
      a: 'ptr',
      b: 'ptr',
      out: 'ptr',
      bias: 'ptr?',
      batch: 'i32',
      m: 'i32',
      n: 'i32',
      k: 'i32',
      transA: 'bool',
      transB: 'bool',
      aBatchStride: 'i32',
      bBatchStride: 'i32',
      ...WORKSPACE,
    },
    parallel,
  ),
  /** Per-part workspace bytes of conv2d (as of its siblings below). */
  conv2dWorkspaceBytes: asmCall('conv2dWorkspaceBytes', CONV),
  conv2d: asmCall('conv2d', { x: 'ptr', w: 'ptr', out: 'ptr', ...CONV, ...WORKSPACE }, parallel),
  conv2dBackwardInputWorkspaceBytes: asmCall('conv2dBackwardInputWorkspaceBytes', CONV),
  conv2dBackwardInput: asmCall('conv2dBackwardInput', { gy: 'ptr', w: 'ptr', gx: 'ptr', ...CONV, ...WORKSPACE }, parallel),
  conv2dBackwardWeightSplits: asmCall('conv2dBackwardWeightSplits', { batch: 'i32' }),
  conv2dBackwardWeightPartialsBytes: asmCall('conv2dBackwardWeightPartialsBytes', CONV),
  conv2dBackwardWeightWorkspaceBytes: asmCall('conv2dBackwardWeightWorkspaceBytes', CONV),
  conv2dBackwardWeight: asmCall(
    'conv2dBackwardWeight',
    {
      x: 'ptr',
      gy: 'ptr',
      gw: 'ptr',
      partials: 'ptr',
      ...CONV,
      ...WORKSPACE,
    },
    parallel,
  ),
  conv2dBackwardWeightReduce: asmCall('conv2dBackwardWeightReduce', { gw: 'ptr', partials: 'ptr', size: 'i32', splits: 'i32' }, parallel),
  /** Per-part workspace bytes of each Winograd pass (asm/conv2d_winograd.ts: transformed filters, tiles and padded planes). */
  conv2dWinogradWorkspaceBytes: asmCall('conv2dWinogradWorkspaceBytes', CONV),
  conv2dWinograd: asmCall('conv2dWinograd', { x: 'ptr', w: 'ptr', out: 'ptr', ...CONV, ...WORKSPACE }, parallel),
  conv2dWinogradBackwardInputWorkspaceBytes: asmCall('conv2dWinogradBackwardInputWorkspaceBytes', CONV),
  conv2dWinogradBackwardInput: asmCall('conv2dWinogradBackwardInput', { gy: 'ptr', w: 'ptr', gx: 'ptr', ...CONV, ...WORKSPACE }, parallel),
  conv2dWinogradBackwardWeightWorkspaceBytes: asmCall('conv2dWinogradBackwardWeightWorkspaceBytes', CONV),
  /** Partials per batch split as conv2dBackwardWeight's (conv2dBackwardWeightSplits), 16·Cout·Cin each. */
  conv2dWinogradBackwardWeightPartialsBytes: asmCall('conv2dWinogradBackwardWeightPartialsBytes', CONV),
  conv2dWinogradBackwardWeight: asmCall(
    'conv2dWinogradBackwardWeight',
    { x: 'ptr', gy: 'ptr', gw: 'ptr', partials: 'ptr', ...CONV, ...WORKSPACE },
    parallel,
  ),
  /** filters: Cout·Cin. */
  conv2dWinogradBackwardWeightReduce: asmCall(
    'conv2dWinogradBackwardWeightReduce',
    { gw: 'ptr', partials: 'ptr', filters: 'i32', splits: 'i32' },
    parallel,
  ),
  /** Per-part workspace bytes of any of the three depthwise passes. */
  depthwiseConv2dWorkspaceBytes: asmCall('depthwiseConv2dWorkspaceBytes', CONV),
  depthwiseConv2d: asmCall('depthwiseConv2d', { x: 'ptr', w: 'ptr', out: 'ptr', ...CONV, ...WORKSPACE }, parallel),
  depthwiseConv2dBackwardInput: asmCall(
    'depthwiseConv2dBackwardInput',
    { gy: 'ptr', w: 'ptr', gx: 'ptr', ...CONV, ...WORKSPACE },
    parallel,
  ),
  depthwiseConv2dBackwardWeight: asmCall(
    'depthwiseConv2dBackwardWeight',
    { x: 'ptr', gy: 'ptr', gw: 'ptr', ...CONV, ...WORKSPACE },
    parallel,
  ),
  batchNormStats: asmCall(
    'batchNormStats',
    {
      x: 'ptr',
      mean: 'ptr',
      variance: 'ptr',
      runningMean: 'ptr',
      runningVariance: 'ptr',
      momentum: 'f32',
      batch: 'i32',
      channels: 'i32',
      spatial: 'i32',
    },
    parallel,
  ),
  batchNormForward: asmCall(
    'batchNormForward',
    {
      x: 'ptr',
      mean: 'ptr',
      variance: 'ptr',
      gamma: 'ptr',
      beta: 'ptr',
      residual: 'ptr?',
      y: 'ptr',
      batch: 'i32',
      channels: 'i32',
      spatial: 'i32',
      eps: 'f32',
      activation: 'i32',
    },
    parallel,
  ),
  batchNormBackward: asmCall(
    'batchNormBackward',
    {
      x: 'ptr',
      gy: 'ptr',
      y: 'ptr?',
      mean: 'ptr',
      variance: 'ptr',
      gamma: 'ptr',
      gx: 'ptr',
      gGamma: 'ptr',
      gBeta: 'ptr',
      gResidual: 'ptr?',
      batch: 'i32',
      channels: 'i32',
      spatial: 'i32',
      eps: 'f32',
      batchStats: 'bool',
      activation: 'i32',
    },
    parallel,
  ),
  maxPool2d: asmCall('maxPool2d', { x: 'ptr', y: 'ptr', argmax: 'ptr', ...POOL }, parallel),
  maxPool2dBackward: asmCall(
    'maxPool2dBackward',
    {
      gy: 'ptr',
      argmax: 'ptr',
      gx: 'ptr',
      batch: 'i32',
      channels: 'i32',
      height: 'i32',
      width: 'i32',
      outHeight: 'i32',
      outWidth: 'i32',
    },
    parallel,
  ),
  avgPool2d: asmCall('avgPool2d', { x: 'ptr', y: 'ptr', ...POOL }, parallel),
  avgPool2dBackward: asmCall('avgPool2dBackward', { gy: 'ptr', gx: 'ptr', ...POOL }, parallel),
  /** Returns the first of `rows` indices outside [0, limit), or -1. */
  checkRows: asmCall('checkRows', { index: 'ptr', rows: 'i32', limit: 'i32' }),
  gather: asmCall('gather', { table: 'ptr', index: 'ptr', out: 'ptr', rows: 'i32', cols: 'i32' }),
  scatterAdd: asmCall('scatterAdd', { dst: 'ptr', index: 'ptr', src: 'ptr', rows: 'i32', cols: 'i32' }),
  softmax: asmCall('softmax', { x: 'ptr', out: 'ptr', ...AXIS, log: 'bool' }, parallel),
  softmaxBackward: asmCall('softmaxBackward', { y: 'ptr', gy: 'ptr', gx: 'ptr', ...AXIS, log: 'bool' }, parallel),
  crossEntropy: asmCall('crossEntropy', { logits: 'ptr', target: 'ptr', losses: 'ptr', rows: 'i32', classes: 'i32' }, parallel),
  crossEntropyBackward: asmCall(
    'crossEntropyBackward',
    {
      logits: 'ptr',
      target: 'ptr',
      gLoss: 'ptr',
      gLogits: 'ptr',
      rows: 'i32',
      classes: 'i32',
    },
    parallel,
  ),
  l2Normalize: asmCall('l2Normalize', { x: 'ptr', out: 'ptr', ...AXIS, eps: 'f32' }, parallel),
  l2NormalizeBackward: asmCall('l2NormalizeBackward', { x: 'ptr', gy: 'ptr', gx: 'ptr', ...AXIS, eps: 'f32' }, parallel),
  blendNormalizeRows: asmCall(
    'blendNormalizeRows',
    {
      x: 'ptr',
      y: 'ptr',
      out: 'ptr',
      rows: 'i32',
      length: 'i32',
      alpha: 'f32',
      beta: 'f32',
      eps: 'f32',
    },
    parallel,
  ),
  sgdStep: asmCall('sgdStep', {
    param: 'ptr',
    grad: 'ptr',
    velocity: 'ptr',
    size: 'i32',
    lr: 'f32',
    momentum: 'f32',
    dampening: 'f32',
    weightDecay: 'f32',
    nesterov: 'bool',
  }),
} as const;

useWriters(ASM_CALLS, WRITERS);
