// Direct convolution with groups and its two gradients: every term of the sum, accumulated in f64.

import { type ConvTerms, convolution } from './convolution.js';

/** Every term of a convolution with groups. */
const forEachConvTerm: ConvTerms = (p, fn) => {
  const cinG = p.inChannels / p.groups,
    coutG = p.outChannels / p.groups;
  for (let n = 0; n < p.batch; n++) {
    for (let co = 0; co < p.outChannels; co++) {
      const group = Math.floor(co / coutG);
      for (let oh = 0; oh < p.outHeight; oh++) {
        for (let ow = 0; ow < p.outWidth; ow++) {
          const yi = ((n * p.outChannels + co) * p.outHeight + oh) * p.outWidth + ow;
          for (let c = 0; c < cinG; c++) {
            const ci = group * cinG + c;
            for (let kh = 0; kh < p.kernelH; kh++) {
              const ih = oh * p.strideH - p.padH + kh;
              if (ih < 0 || ih >= p.height) continue;
              for (let kw = 0; kw < p.kernelW; kw++) {
                const iw = ow * p.strideW - p.padW + kw;
                if (iw < 0 || iw >= p.width) continue;
                fn(((n * p.inChannels + ci) * p.height + ih) * p.width + iw, ((co * cinG + c) * p.kernelH + kh) * p.kernelW + kw, yi);
              }
            }
          }
        }
      }
    }
  }
};

const general = convolution(forEachConvTerm);
export const conv2d = general.forward;
export const conv2dBackwardInput = general.backwardInput;
export const conv2dBackwardWeight = general.backwardWeight;
// Winograd's F(2×2, 3×3) computes the same sums in another order: the oracle computes what the kernels mean.
export const conv2dWinograd = general.forward;
export const conv2dWinogradBackwardInput = general.backwardInput;
export const conv2dWinogradBackwardWeight = general.backwardWeight;
