// The reference backend: every kernel as plain loops, accumulating in f64. It is the
// oracle the other backends are tested against; with precision 'f64' it also stores f32
// tensors in doubles, which makes finite-difference gradient checks exact enough to trust.

import type {
  AnyTypedArray, AxisLayout, Backend, BatchNormLayout, BinaryOp, BroadcastLayout, Conv2dParams, CopyLayout, DType,
  AugmentParams, MatmulParams, MemoryBankParams, MemoryStats, Pool2dParams, RandomParams, ReduceLayout, ReduceOp, SgdParams, Storage, TopKParams, UnaryOp,
} from '../../backend.js';
import { philoxBlock, wordToUniform, wordsToNormal } from '../../random.js';
import { forEachOffset } from './strided.js';

type HostArray = Float32Array | Float64Array | Int32Array | Uint32Array;

class ReferenceStorage implements Storage {
  constructor(readonly dtype: DType, readonly size: number, readonly data: HostArray) {}
}

export interface ReferenceOptions {
  /** How f32 tensors are stored: 'f32' like every other backend, 'f64' for gradient checks. */
  precision?: 'f32' | 'f64';
}

function data(storage: Storage): HostArray {
  return (storage as ReferenceStorage).data;
}

export class ReferenceBackend implements Backend {
  readonly name: string;
  readonly kind = 'reference' as const;
  readonly description: string;
  readonly maxBindingBytes = Number.MAX_SAFE_INTEGER;
  readonly precision: 'f32' | 'f64';
  private live = new Set<ReferenceStorage>();
  private liveBytes = 0;
  private peakBytes = 0;

  constructor(options: ReferenceOptions = {}) {
    this.precision = options.precision ?? 'f32';
    this.name = this.precision === 'f64' ? 'reference-f64' : 'reference';
    this.description = `plain TypeScript loops, ${this.precision} storage`;
  }

  alloc(dtype: DType, size: number): Storage {
    const array = dtype === 'i32' ? new Int32Array(size)
      : dtype === 'u32' ? new Uint32Array(size)
      : this.precision === 'f64' ? new Float64Array(size) : new Float32Array(size);
    const storage = new ReferenceStorage(dtype, size, array);
    this.live.add(storage);
    this.liveBytes += array.byteLength;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return storage;
  }

  free(storage: Storage): void {
    if (this.live.delete(storage as ReferenceStorage)) this.liveBytes -= data(storage).byteLength;
  }

  write(storage: Storage, values: AnyTypedArray): void {
    if (values.length !== storage.size) throw new Error(`write: ${values.length} values for ${storage.size} elements`);
    data(storage).set(values);
  }

  async read(storage: Storage): Promise<AnyTypedArray> {
    return data(storage).slice();
  }

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return { liveBuffers: this.live.size, liveBytes: this.liveBytes, pooledBuffers: 0, pooledBytes: 0, peakBytes: this.peakBytes };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  destroy(): void {
    this.live.clear();
    this.liveBytes = this.peakBytes = 0;
  }

  fill(out: Storage, value: number): void {
    data(out).fill(value);
  }

  random(out: Storage, p: RandomParams): void {
    const o = data(out);
    let words: number[] = [];
    for (let i = 0; i < out.size; i++) {
      if (i % 4 === 0) words = philoxBlock(p.key, p.counter, i / 4);
      const word = i % 4;
      o[i] = p.distribution === 'uniform'
        ? p.a + (p.b - p.a) * wordToUniform(words[word]!)
        : p.a + p.b * wordsToNormal(words[word & 2]!, words[(word & 2) + 1]!, (word & 1) === 1);
    }
  }

  unary(op: UnaryOp, x: Storage, out: Storage, alpha: number): void {
    const a = data(x), o = data(out);
    const f = unaryFunction(op, alpha);
    for (let i = 0; i < o.length; i++) o[i] = f(a[i]!);
  }

  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, layout: BroadcastLayout): void {
    const av = data(a), bv = data(b), o = data(out);
    const f = binaryFunction(op);
    let i = 0;
    forEachOffset(layout.shape, [layout.aStrides, layout.bStrides], [0, 0], ([ia, ib]) => {
      o[i++] = f(av[ia!]!, bv[ib!]!);
    });
  }

  copy(src: Storage, dst: Storage, layout: CopyLayout): void {
    const s = data(src), d = data(dst);
    forEachOffset(layout.shape, [layout.srcStrides, layout.dstStrides], [layout.srcOffset, layout.dstOffset], ([is, id]) => {
      d[id!] = s[is!]!;
    });
  }

  topK(s: Storage, values: Storage, indices: Storage, p: TopKParams): void {
    const x = data(s), v = data(values), index = data(indices);
    for (let r = 0; r < p.rows; r++) {
      const order = Array.from({ length: p.cols }, (_, j) => j).sort((a, b) => x[r * p.cols + b]! - x[r * p.cols + a]! || a - b);
      order.slice(0, p.k).forEach((j, i) => {
        v[r * p.k + i] = x[r * p.cols + j]!;
        index[r * p.k + i] = j;
      });
    }
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, layout: ReduceLayout): void {
    const xv = data(x), o = data(out);
    let i = 0;
    forEachOffset(layout.keptShape, [layout.keptStrides], [0], ([base]) => {
      let acc = op === 'sum' ? 0 : -Infinity;
      let best = 0, position = 0;
      forEachOffset(layout.reducedShape, [layout.reducedStrides], [base!], ([offset]) => {
        const v = xv[offset!]!;
        if (op === 'sum') acc += v;
        else if (position === 0 || v > acc) { acc = v; best = position; }
        position++;
      });
      o[i++] = op === 'argmax' ? best : acc;
    });
  }

  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams, bias?: Storage): void {
    const av = data(a), bv = data(b), o = data(out), biasValues = bias ? data(bias) : null;
    for (let batch = 0; batch < p.batch; batch++) {
      const aBase = batch * p.aBatchStride, bBase = batch * p.bBatchStride, oBase = batch * p.m * p.n;
      for (let i = 0; i < p.m; i++) {
        for (let j = 0; j < p.n; j++) {
          let acc = biasValues ? biasValues[j]! : 0;
          for (let k = 0; k < p.k; k++) {
            const aValue = av[aBase + (p.transA ? k * p.m + i : i * p.k + k)]!;
            const bValue = bv[bBase + (p.transB ? j * p.k + k : k * p.n + j)]!;
            acc += aValue * bValue;
          }
          o[oBase + i * p.n + j] = acc;
        }
      }
    }
  }

  /** Calls fn(xIndex, wIndex, yIndex) for every term of the convolution sum. */
  private forEachConvTerm(p: Conv2dParams, fn: (xi: number, wi: number, yi: number) => void): void {
    const cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups;
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
  }

  conv2d(x: Storage, w: Storage, out: Storage, p: Conv2dParams): void {
    const xv = data(x), wv = data(w), o = data(out);
    const acc = new Float64Array(out.size);
    this.forEachConvTerm(p, (xi, wi, yi) => { acc[yi]! += xv[xi]! * wv[wi]!; });
    o.set(acc);
  }

  conv2dBackwardInput(gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): void {
    const gyv = data(gy), wv = data(w), o = data(gx);
    const acc = new Float64Array(gx.size);
    this.forEachConvTerm(p, (xi, wi, yi) => { acc[xi]! += gyv[yi]! * wv[wi]!; });
    o.set(acc);
  }

  conv2dBackwardWeight(x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): void {
    const xv = data(x), gyv = data(gy), o = data(gw);
    const acc = new Float64Array(gw.size);
    this.forEachConvTerm(p, (xi, wi, yi) => { acc[wi]! += gyv[yi]! * xv[xi]!; });
    o.set(acc);
  }

  /** Calls fn(index) for every element of channel c in NCHW order. */
  private forEachInChannel(l: BatchNormLayout, c: number, fn: (index: number) => void): void {
    for (let n = 0; n < l.batch; n++) {
      const base = (n * l.channels + c) * l.spatial;
      for (let s = 0; s < l.spatial; s++) fn(base + s);
    }
  }

  batchNormStats(
    x: Storage, mean: Storage, variance: Storage, l: BatchNormLayout,
    running: { mean: Storage; variance: Storage; momentum: number },
  ): void {
    const xv = data(x), count = l.batch * l.spatial;
    for (let c = 0; c < l.channels; c++) {
      let sum = 0;
      this.forEachInChannel(l, c, (i) => { sum += xv[i]!; });
      const mu = sum / count;
      let squares = 0;
      this.forEachInChannel(l, c, (i) => { squares += (xv[i]! - mu) ** 2; });
      const biased = squares / count;
      data(mean)[c] = mu;
      data(variance)[c] = biased;
      const m = running.momentum, rm = data(running.mean), rv = data(running.variance);
      rm[c] = (1 - m) * rm[c]! + m * mu;
      rv[c] = (1 - m) * rv[c]! + m * biased * count / Math.max(count - 1, 1);
    }
  }

  batchNormForward(
    x: Storage, mean: Storage, variance: Storage, gamma: Storage, beta: Storage, y: Storage, l: BatchNormLayout, eps: number,
  ): void {
    const xv = data(x), yv = data(y);
    for (let c = 0; c < l.channels; c++) {
      const scale = data(gamma)[c]! / Math.sqrt(data(variance)[c]! + eps);
      const shift = data(beta)[c]! - data(mean)[c]! * scale;
      this.forEachInChannel(l, c, (i) => { yv[i] = xv[i]! * scale + shift; });
    }
  }

  batchNormBackward(
    x: Storage, gy: Storage, mean: Storage, variance: Storage, gamma: Storage,
    gx: Storage, gGamma: Storage, gBeta: Storage, l: BatchNormLayout, eps: number, batchStats: boolean,
  ): void {
    const xv = data(x), gyv = data(gy), gxv = data(gx), count = l.batch * l.spatial;
    for (let c = 0; c < l.channels; c++) {
      const mu = data(mean)[c]!, invStd = 1 / Math.sqrt(data(variance)[c]! + eps), g = data(gamma)[c]!;
      let sumG = 0, sumGXhat = 0;
      this.forEachInChannel(l, c, (i) => {
        sumG += gyv[i]!;
        sumGXhat += gyv[i]! * (xv[i]! - mu) * invStd;
      });
      data(gGamma)[c] = sumGXhat;
      data(gBeta)[c] = sumG;
      this.forEachInChannel(l, c, (i) => {
        const xHat = (xv[i]! - mu) * invStd;
        gxv[i] = batchStats
          ? (g * invStd / count) * (count * gyv[i]! - sumG - xHat * sumGXhat)
          : g * invStd * gyv[i]!;
      });
    }
  }

  /** Calls fn(outIndex, inIndex or -1 for padding, planeBase) for every window position. */
  private forEachWindow(p: Pool2dParams, fn: (yi: number, xi: number, plane: number) => void): void {
    for (let plane = 0; plane < p.batch * p.channels; plane++) {
      for (let oh = 0; oh < p.outHeight; oh++) {
        for (let ow = 0; ow < p.outWidth; ow++) {
          const yi = (plane * p.outHeight + oh) * p.outWidth + ow;
          for (let kh = 0; kh < p.kernelH; kh++) {
            for (let kw = 0; kw < p.kernelW; kw++) {
              const ih = oh * p.strideH - p.padH + kh, iw = ow * p.strideW - p.padW + kw;
              const inside = ih >= 0 && ih < p.height && iw >= 0 && iw < p.width;
              fn(yi, inside ? ih * p.width + iw : -1, plane * p.height * p.width);
            }
          }
        }
      }
    }
  }

  maxPool2d(x: Storage, y: Storage, argmax: Storage, p: Pool2dParams): void {
    const xv = data(x), yv = data(y), av = data(argmax);
    yv.fill(-Infinity);
    this.forEachWindow(p, (yi, xi, plane) => {
      if (xi >= 0 && xv[plane + xi]! > yv[yi]!) { yv[yi] = xv[plane + xi]!; av[yi] = xi; }
    });
  }

  maxPool2dBackward(gy: Storage, argmax: Storage, gx: Storage, p: Pool2dParams): void {
    const gyv = data(gy), av = data(argmax), gxv = data(gx);
    gxv.fill(0);
    const planeSize = p.height * p.width, outPlane = p.outHeight * p.outWidth;
    for (let yi = 0; yi < gy.size; yi++) gxv[Math.floor(yi / outPlane) * planeSize + av[yi]!]! += gyv[yi]!;
  }

  avgPool2d(x: Storage, y: Storage, p: Pool2dParams): void {
    const xv = data(x), yv = data(y), area = p.kernelH * p.kernelW;
    const acc = new Float64Array(y.size);
    this.forEachWindow(p, (yi, xi, plane) => { if (xi >= 0) acc[yi]! += xv[plane + xi]!; });
    for (let i = 0; i < y.size; i++) yv[i] = acc[i]! / area;
  }

  avgPool2dBackward(gy: Storage, gx: Storage, p: Pool2dParams): void {
    const gyv = data(gy), gxv = data(gx), area = p.kernelH * p.kernelW;
    const acc = new Float64Array(gx.size);
    this.forEachWindow(p, (yi, xi, plane) => { if (xi >= 0) acc[plane + xi]! += gyv[yi]! / area; });
    gxv.set(acc);
  }

  gather(table: Storage, index: Storage, out: Storage, rows: number, cols: number): void {
    const t = data(table), idx = data(index), o = data(out), tableRows = table.size / cols;
    for (let r = 0; r < rows; r++) {
      const row = checkRow('gather', idx[r]!, tableRows);
      for (let c = 0; c < cols; c++) o[r * cols + c] = t[row * cols + c]!;
    }
  }

  scatterAdd(dst: Storage, index: Storage, src: Storage, rows: number, cols: number): void {
    const d = data(dst), idx = data(index), s = data(src), dstRows = dst.size / cols;
    for (let r = 0; r < rows; r++) {
      const row = checkRow('scatterAdd', idx[r]!, dstRows);
      for (let c = 0; c < cols; c++) d[row * cols + c]! += s[r * cols + c]!;
    }
  }

  /** Calls fn(indices of one [outer, ·, inner] line) for every line along the axis. */
  private forEachLine(l: AxisLayout, fn: (at: (j: number) => number) => void): void {
    for (let o = 0; o < l.outer; o++) {
      for (let i = 0; i < l.inner; i++) fn((j) => (o * l.length + j) * l.inner + i);
    }
  }

  softmax(x: Storage, out: Storage, l: AxisLayout, log: boolean): void {
    const xv = data(x), o = data(out);
    this.forEachLine(l, (at) => {
      let max = -Infinity, sum = 0;
      for (let j = 0; j < l.length; j++) max = Math.max(max, xv[at(j)]!);
      for (let j = 0; j < l.length; j++) sum += Math.exp(xv[at(j)]! - max);
      for (let j = 0; j < l.length; j++) {
        o[at(j)] = log ? xv[at(j)]! - max - Math.log(sum) : Math.exp(xv[at(j)]! - max) / sum;
      }
    });
  }

  softmaxBackward(y: Storage, gy: Storage, gx: Storage, l: AxisLayout, log: boolean): void {
    const yv = data(y), g = data(gy), o = data(gx);
    this.forEachLine(l, (at) => {
      let dot = 0;
      for (let j = 0; j < l.length; j++) dot += log ? g[at(j)]! : g[at(j)]! * yv[at(j)]!;
      for (let j = 0; j < l.length; j++) {
        o[at(j)] = log ? g[at(j)]! - Math.exp(yv[at(j)]!) * dot : yv[at(j)]! * (g[at(j)]! - dot);
      }
    });
  }

  l2Normalize(x: Storage, out: Storage, l: AxisLayout, eps: number): void {
    const xv = data(x), o = data(out);
    this.forEachLine(l, (at) => {
      let squares = 0;
      for (let j = 0; j < l.length; j++) squares += xv[at(j)]! ** 2;
      const norm = Math.max(Math.sqrt(squares), eps);
      for (let j = 0; j < l.length; j++) o[at(j)] = xv[at(j)]! / norm;
    });
  }

  blendNormalizeRows(x: Storage, y: Storage, out: Storage, rows: number, length: number, alpha: number, beta: number, eps: number): void {
    const xv = data(x), yv = data(y), o = data(out);
    for (let r = 0; r < rows; r++) {
      let squares = 0;
      for (let j = r * length; j < (r + 1) * length; j++) squares += (o[j] = alpha * xv[j]! + beta * yv[j]!) ** 2;
      const norm = Math.max(Math.sqrt(squares), eps);
      for (let j = r * length; j < (r + 1) * length; j++) o[j]! /= norm;
    }
  }

  l2NormalizeBackward(x: Storage, gy: Storage, gx: Storage, l: AxisLayout, eps: number): void {
    const xv = data(x), g = data(gy), o = data(gx);
    this.forEachLine(l, (at) => {
      let squares = 0, dot = 0;
      for (let j = 0; j < l.length; j++) { squares += xv[at(j)]! ** 2; dot += xv[at(j)]! * g[at(j)]!; }
      const norm = Math.sqrt(squares);
      for (let j = 0; j < l.length; j++) {
        // Below eps the op is x/eps, a linear map; above, d(x/|x|) = (g - y·(y·g)) / |x|.
        o[at(j)] = norm > eps ? (g[at(j)]! - xv[at(j)]! * dot / squares) / norm : g[at(j)]! / eps;
      }
    });
  }

  crossEntropy(logits: Storage, target: Storage, losses: Storage, rows: number, classes: number): void {
    const x = data(logits), t = data(target), o = data(losses);
    for (let r = 0; r < rows; r++) {
      const label = checkRow('crossEntropy', t[r]!, classes);
      let max = -Infinity, sum = 0;
      for (let c = 0; c < classes; c++) max = Math.max(max, x[r * classes + c]!);
      for (let c = 0; c < classes; c++) sum += Math.exp(x[r * classes + c]! - max);
      o[r] = max + Math.log(sum) - x[r * classes + label]!;
    }
  }

  crossEntropyBackward(logits: Storage, target: Storage, gLoss: Storage, gLogits: Storage, rows: number, classes: number): void {
    const x = data(logits), t = data(target), g = data(gLoss), o = data(gLogits);
    for (let r = 0; r < rows; r++) {
      let max = -Infinity, sum = 0;
      for (let c = 0; c < classes; c++) max = Math.max(max, x[r * classes + c]!);
      for (let c = 0; c < classes; c++) sum += Math.exp(x[r * classes + c]! - max);
      for (let c = 0; c < classes; c++) {
        const p = Math.exp(x[r * classes + c]! - max) / sum;
        o[r * classes + c] = g[r]! * (p - (c === t[r] ? 1 : 0));
      }
    }
  }

  bankStats(s: Storage, stats: Storage, p: MemoryBankParams): void {
    const sv = data(s), st = data(stats);
    for (let r = 0; r < p.rows; r++) {
      const row = sv.subarray(r * p.cols, (r + 1) * p.cols);
      const chunkMax = Math.max(...Array.from(row));
      let zTau = 0, zOne = 0, zHalf = 0, weighted = 0;
      for (const v of row) {
        zTau += Math.exp((v - chunkMax) / p.tau);
        zOne += Math.exp(v - chunkMax);
        zHalf += Math.exp((v - chunkMax) / 2);
        weighted += Math.exp(v - chunkMax) * v;
      }
      const at = r * 8, newMax = Math.max(st[at]!, chunkMax), keep = st[at]! - newMax, add = chunkMax - newMax;
      st[at] = newMax;
      st[at + 1] = st[at + 1]! * Math.exp(keep / p.tau) + zTau * Math.exp(add / p.tau);
      st[at + 2] = st[at + 2]! * Math.exp(keep) + zOne * Math.exp(add);
      st[at + 3] = st[at + 3]! * Math.exp(keep / 2) + zHalf * Math.exp(add / 2);
      st[at + 4] = st[at + 4]! * Math.exp(keep) + weighted * Math.exp(add);
    }
  }

  bankGrad(s: Storage, stats: Storage, index: Storage, g: Storage, q: Storage, p: MemoryBankParams): void {
    const sv = data(s), st = data(stats), idx = data(index), gv = data(g), qv = data(q), batch = p.rows;
    for (let r = 0; r < p.rows; r++) {
      const at = r * 8, m = st[at]!;
      const logZTau = m / p.tau + Math.log(st[at + 1]!), logZOne = m + Math.log(st[at + 2]!), meanS = st[at + 4]! / st[at + 2]!;
      for (let j = 0; j < p.cols; j++) {
        const v = sv[r * p.cols + j]!, prob = Math.exp(v / p.tau - logZTau), probOne = Math.exp(v - logZOne);
        const y = idx[r]! - p.colOffset === j ? 1 : 0;
        gv[r * p.cols + j] = (prob - y) / (batch * p.tau) + (p.lambda / (2 * batch)) * probOne * (v - meanS);
        qv[r * p.cols + j] = y - prob;
      }
    }
  }

  augment(pixels: Storage, index: Storage, out: Storage, p: AugmentParams): void {
    const bytes = new Uint8Array(data(pixels).buffer, data(pixels).byteOffset, pixels.size * 4);
    const idx = data(index), o = data(out), w = p.width, h = p.height, plane = w * h;
    const uniforms = (block: number) => philoxBlock(p.key, p.counter, block).map(wordToUniform) as [number, number, number, number];
    for (let b = 0; b < p.batch; b++) {
      const [u0, u1, u2, u3] = uniforms(p.blocks * b);
      let cw = w, ch = h, x0 = 0, y0 = 0;
      if (p.crop) {
        const area = h * w * (p.scaleMin + (p.scaleMax - p.scaleMin) * u0);
        const logMin = Math.log(p.ratioMin);
        const ratio = Math.exp(logMin + (Math.log(p.ratioMax) - logMin) * u1);
        cw = Math.min(w, Math.sqrt(area * ratio));
        ch = Math.min(h, Math.sqrt(area / ratio));
        x0 = (w - cw) * u2;
        y0 = (h - ch) * u3;
      }
      const [g0, g1, g2, g3] = uniforms(p.blocks * b + 1);
      const flipped = p.flip && g0 < 0.5;
      const theta = 2 * Math.PI * p.rotateTurns * (2 * g1 - 1), cos = Math.cos(theta), sin = Math.sin(theta);
      const [cx, cy] = [x0 + cw / 2, y0 + ch / 2], [tx, ty] = [p.translate * w * (2 * g2 - 1), p.translate * h * (2 * g3 - 1)];
      const box = p.blocks === 3 ? erasedBox(p, philoxBlock(p.key, p.counter, 3 * b + 2)) : null;
      const base = idx[b]! * plane;
      const pixel = (y: number, x: number) => bytes[base + Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)]!;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          let x = x0 + ((flipped ? w - 1 - j : j) + 0.5) * cw / w, y = y0 + (i + 0.5) * ch / h;
          if (p.blocks === 3) [x, y] = [cx + cos * (x - cx) - sin * (y - cy) + tx, cy + sin * (x - cx) + cos * (y - cy) + ty];
          x -= 0.5;
          y -= 0.5;
          const xi = Math.floor(x), yi = Math.floor(y), fx = x - xi, fy = y - yi;
          const top = pixel(yi, xi) + (pixel(yi, xi + 1) - pixel(yi, xi)) * fx;
          const bottom = pixel(yi + 1, xi) + (pixel(yi + 1, xi + 1) - pixel(yi + 1, xi)) * fx;
          const erased = box !== null && i + 0.5 >= box.top && i + 0.5 < box.top + box.height && j + 0.5 >= box.left && j + 0.5 < box.left + box.width;
          o[b * plane + i * w + j] = erased ? 0 : ((top + (bottom - top) * fy) / 255 - p.mean) / p.std;
        }
      }
    }
  }


  sgdStep(param: Storage, grad: Storage, velocity: Storage, size: number, s: SgdParams): void {
    const p = data(param), g = data(grad), v = data(velocity);
    for (let i = 0; i < size; i++) {
      const d = g[i]! + s.weightDecay * p[i]!;
      v[i] = s.momentum * v[i]! + (1 - s.dampening) * d;
      p[i]! -= s.lr * (s.nesterov ? d + s.momentum * v[i]! : v[i]!);
    }
  }
}

function checkRow(op: string, row: number, rows: number): number {
  if (!Number.isInteger(row) || row < 0 || row >= rows) throw new Error(`${op}: index ${row} is out of range [0, ${rows})`);
  return row;
}

function unaryFunction(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'abs': return Math.abs;
    case 'square': return (x) => x * x;
    case 'pow': return (x) => x ** alpha;
    case 'addScalar': return (x) => x + alpha;
    case 'mulScalar': return (x) => x * alpha;
    case 'cast': return Math.trunc;
    default: return op satisfies never;
  }
}

function binaryFunction(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'maximum': return Math.max;
    case 'minimum': return Math.min;
    case 'reluBackward': return (g, x) => (x > 0 ? g : 0);
    case 'greater': return (a, b) => (a > b ? 1 : 0);
    case 'equal': return (a, b) => (a === b ? 1 : 0);
    default: return op satisfies never;
  }
}

/** Random erasing's box for one image (AugmentParams), or null when the image is not erased. */
function erasedBox(p: AugmentParams, words: [number, number, number, number]): { top: number; left: number; height: number; width: number } | null {
  const [e0, e1, e2] = words.map(wordToUniform) as [number, number, number];
  if (e0 >= p.erase) return null;
  const area = p.height * p.width * (p.eraseScaleMin + (p.eraseScaleMax - p.eraseScaleMin) * e1);
  const logMin = Math.log(p.eraseRatioMin);
  const aspect = Math.exp(logMin + (Math.log(p.eraseRatioMax) - logMin) * e2);
  const height = Math.min(p.height, Math.sqrt(area * aspect)), width = Math.min(p.width, Math.sqrt(area / aspect));
  return { top: (p.height - height) * (words[3] >>> 16) / 65536, left: (p.width - width) * (words[3] & 0xffff) / 65536, height, width };
}
