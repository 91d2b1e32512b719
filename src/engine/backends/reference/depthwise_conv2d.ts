// Depthwise convolution (groups = inChannels = outChannels) and its two gradients: its own walk
// over the terms, one filter per channel, so that the other backends' depthwise kernels are
// tested against loops that share nothing with the grouped convolution's.

import { type ConvTerms, convolution } from './convolution.js';

const forEachDepthwiseTerm: ConvTerms = (p, fn) => {
  for (let plane = 0; plane < p.batch * p.inChannels; plane++) {
    const c = plane % p.inChannels;
    for (let oh = 0; oh < p.outHeight; oh++) {
      for (let ow = 0; ow < p.outWidth; ow++) {
        const yi = (plane * p.outHeight + oh) * p.outWidth + ow;
        for (let kh = 0; kh < p.kernelH; kh++) {
          const ih = oh * p.strideH - p.padH + kh;
          if (ih < 0 || ih >= p.height) continue;
          for (let kw = 0; kw < p.kernelW; kw++) {
            const iw = ow * p.strideW - p.padW + kw;
            if (iw >= 0 && iw < p.width) fn((plane * p.height + ih) * p.width + iw, (c * p.kernelH + kh) * p.kernelW + kw, yi);
          }
        }
      }
    }
  }
};

const depthwise = convolution(forEachDepthwiseTerm);
export const depthwiseConv2d = depthwise.forward;
export const depthwiseConv2dBackwardInput = depthwise.backwardInput;
export const depthwiseConv2dBackwardWeight = depthwise.backwardWeight;
