// Output sizes of windowed ops (convolution, pooling), with errors that name the op and the shapes.

import type { Conv2dParams, Pool2dParams } from '../backend.js';
import { formatShape } from './util.js';

export type Pair = number | [number, number];

export type Conv2dGeometry = Conv2dParams;
export type Pool2dGeometry = Pool2dParams;

function pair(value: Pair): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

function outputSize(input: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((input + 2 * pad - kernel) / stride) + 1;
}

export function conv2dGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  stride: Pair,
  padding: Pair,
  groups: number,
): Conv2dGeometry {
  const op = 'conv2d';
  if (xShape.length !== 4 || wShape.length !== 4) {
    throw new Error(
      `${op}: expected input [N, C, H, W] and weight [Cout, Cin/groups, KH, KW], got ${formatShape(xShape)} and ${formatShape(wShape)}`,
    );
  }
  const [batch, inChannels, height, width] = xShape as [number, number, number, number];
  const [outChannels, groupChannels, kernelH, kernelW] = wShape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(`${op}: groups=${groups} must divide the input channels (${inChannels}) and output channels (${outChannels})`);
  }
  if (groupChannels !== inChannels / groups) {
    const expected = `[${outChannels}, ${inChannels / groups}, KH, KW]`;
    throw new Error(`${op}: input ${formatShape(xShape)} with groups=${groups} needs weight ${expected}, got ${formatShape(wShape)}`);
  }
  const [strideH, strideW] = pair(stride);
  const [padH, padW] = pair(padding);
  const outHeight = outputSize(height, kernelH, strideH, padH);
  const outWidth = outputSize(width, kernelW, strideW, padW);
  if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || outHeight < 1 || outWidth < 1) {
    const sizes = `kernel ${kernelH}×${kernelW}, stride ${strideH}×${strideW}, padding ${padH}×${padW}`;
    throw new Error(`${op}: input ${formatShape(xShape)} with ${sizes} gives no output`);
  }
  return { batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth, groups };
}

export function pool2dGeometry(op: string, xShape: readonly number[], kernel: Pair, stride: Pair, padding: Pair): Pool2dGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: expected input [N, C, H, W], got ${formatShape(xShape)}`);
  const [batch, channels, height, width] = xShape as [number, number, number, number];
  const [kernelH, kernelW] = pair(kernel);
  const [strideH, strideW] = pair(stride);
  const [padH, padW] = pair(padding);
  if (padH * 2 > kernelH || padW * 2 > kernelW) {
    throw new Error(`${op}: padding ${padH}×${padW} must be at most half the kernel ${kernelH}×${kernelW}`);
  }
  const outHeight = outputSize(height, kernelH, strideH, padH);
  const outWidth = outputSize(width, kernelW, strideW, padW);
  if (strideH < 1 || strideW < 1 || outHeight < 1 || outWidth < 1) {
    throw new Error(
      `${op}: input ${formatShape(xShape)} with kernel ${kernelH}×${kernelW} and stride ${strideH}×${strideW} gives no output`,
    );
  }
  return { batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth };
}
