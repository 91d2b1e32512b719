// Max and average pooling over NCHW planes (the twin of shaders/pool.wgsl). The argmax of
// max pooling is the winner's index within its input plane. Parallel by plane.
import { at, shareStart } from './common';
import { AvgPool2dBackwardParams, AvgPool2dParams, MaxPool2dBackwardParams, MaxPool2dParams } from './generated';

export function maxPool2d(p: MaxPool2dParams, part: i32, parts: i32): void {
  const x = p.x, y = p.y, argmax = p.argmax;
  const planes = p.batch * p.channels, height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW;
  const strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW, outHeight = p.outHeight, outWidth = p.outWidth;
  for (let plane = shareStart(planes, part, parts); plane < shareStart(planes, part + 1, parts); plane++) {
    const xp = at(x, plane * height * width);
    const out = plane * outHeight * outWidth;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        let best: f32 = -Infinity;
        let bestAt = -1;
        for (let kh = 0; kh < kernelH; kh++) {
          const ih = oh * strideH - padH + kh;
          if (ih < 0 || ih >= height) continue;
          for (let kw = 0; kw < kernelW; kw++) {
            const iw = ow * strideW - padW + kw;
            if (iw < 0 || iw >= width) continue;
            const v = load<f32>(at(xp, ih * width + iw));
            if (v > best || bestAt < 0) { best = v; bestAt = ih * width + iw; }
          }
        }
        const o = out + oh * outWidth + ow;
        store<f32>(at(y, o), best);
        store<i32>(at(argmax, o), bestAt);
      }
    }
  }
}

export function maxPool2dBackward(p: MaxPool2dBackwardParams, part: i32, parts: i32): void {
  const gy = p.gy, argmax = p.argmax, gx = p.gx, planes = p.batch * p.channels;
  const inPlane = p.height * p.width, outPlane = p.outHeight * p.outWidth;
  for (let plane = shareStart(planes, part, parts); plane < shareStart(planes, part + 1, parts); plane++) {
    const g = at(gx, plane * inPlane);
    memory.fill(g, 0, <usize>inPlane << 2);
    for (let o = plane * outPlane; o < (plane + 1) * outPlane; o++) {
      const target = at(g, load<i32>(at(argmax, o)));
      store<f32>(target, load<f32>(target) + load<f32>(at(gy, o)));
    }
  }
}

/** Average pooling counts the padding in the window's area (PyTorch's default). */
export function avgPool2d(p: AvgPool2dParams, part: i32, parts: i32): void {
  const x = p.x, y = p.y, planes = p.batch * p.channels, height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW;
  const strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW, outHeight = p.outHeight, outWidth = p.outWidth;
  const area = <f64>(kernelH * kernelW);
  for (let plane = shareStart(planes, part, parts); plane < shareStart(planes, part + 1, parts); plane++) {
    const xp = at(x, plane * height * width);
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        let sum: f64 = 0;
        for (let kh = 0; kh < kernelH; kh++) {
          const ih = oh * strideH - padH + kh;
          if (ih < 0 || ih >= height) continue;
          for (let kw = 0; kw < kernelW; kw++) {
            const iw = ow * strideW - padW + kw;
            if (iw >= 0 && iw < width) sum += <f64>load<f32>(at(xp, ih * width + iw));
          }
        }
        store<f32>(at(y, (plane * outHeight + oh) * outWidth + ow), <f32>(sum / area));
      }
    }
  }
}

export function avgPool2dBackward(p: AvgPool2dBackwardParams, part: i32, parts: i32): void {
  const gy = p.gy, gx = p.gx, planes = p.batch * p.channels, height = p.height, width = p.width, kernelH = p.kernelH, kernelW = p.kernelW;
  const strideH = p.strideH, strideW = p.strideW, padH = p.padH, padW = p.padW, outHeight = p.outHeight, outWidth = p.outWidth;
  const area = <f32>(kernelH * kernelW);
  for (let plane = shareStart(planes, part, parts); plane < shareStart(planes, part + 1, parts); plane++) {
    const g = at(gx, plane * height * width);
    memory.fill(g, 0, <usize>(height * width) << 2);
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const share = load<f32>(at(gy, (plane * outHeight + oh) * outWidth + ow)) / area;
        for (let kh = 0; kh < kernelH; kh++) {
          const ih = oh * strideH - padH + kh;
          if (ih < 0 || ih >= height) continue;
          for (let kw = 0; kw < kernelW; kw++) {
            const iw = ow * strideW - padW + kw;
            if (iw < 0 || iw >= width) continue;
            const target = at(g, ih * width + iw);
            store<f32>(target, load<f32>(target) + share);
          }
        }
      }
    }
  }
}
