// TensorFlow.js as the peer: fmnist-resnet and the method's whole training step written with
// tfjs-core ops as a user would write them (NHWC, tfjs's native layout; autodiff by
// tf.variableGrads; momentum SGD with weight decay added to the gradients), on tfjs's CPU,
// WebAssembly (XNNPACK) and WebGPU backends. Bench-only: the engine never imports TensorFlow.js.

import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build registers no gradients (the full tfjs package does): bundle its ESM
// registration, which fills the registry every copy of tfjs-core shares (a global).
import '../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export type TfjsBackend = 'cpu' | 'wasm' | 'webgpu';

/**
 * Makes `name` tfjs's active backend: webgpu on `device`, the very device our WebGPU backend
 * runs on (same Dawn adapter), registered afresh for each device. Returns a description.
 */
export async function useTfjs(name: TfjsBackend, webgpu?: { device: GPUDevice; gpu: GPU }): Promise<string> {
  if (name === 'wasm') setThreadsCount(1); // tfjs-wasm runs one thread in Node
  if (name === 'webgpu') {
    if (!webgpu) throw new Error('tfjs-webgpu needs a device');
    // tfjs-webgpu looks for navigator.gpu, which Node does not define
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: webgpu.gpu }, configurable: true, writable: true });
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(webgpu.device));
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to start`);
  await tf.ready();
  const extra = name === 'wasm' ? `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, 1 thread` : '';
  return `tfjs-backend-${name} ${tf.version_core}${extra}`;
}

/** A timed function that returns once tfjs has produced the result. */
export function tfjsMatmul(m: number, n: number, k: number, transB: boolean): { run: () => Promise<void>; dispose: () => void } {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal(transB ? [n, k] : [k, n]);
  return {
    run: async () => {
      const c = tf.matMul(a, b, false, transB);
      await c.data();
      c.dispose();
    },
    dispose: () => tf.dispose([a, b]),
  };
}

/** fmnist-resnet's forward pass in evaluation mode (BatchNorm on running statistics) to h. */
export function tfjsResNetForward(batch: number, width = 1): { run: () => Promise<void>; dispose: () => void } {
  const encoder = tfjsEncoder({ width, hidden: 512, dim: 128, filterGrad: false });
  const images = tf.randomNormal([batch, 28, 28, 1]) as tf.Tensor4D;
  return {
    run: async () => {
      const h = tf.tidy(() => encoder.features(images));
      await h.data();
      h.dispose();
    },
    dispose: () => {
      images.dispose();
      encoder.dispose();
    },
  };
}

/** Gradient-free identity: SqrtKL's target ũ is a constant (docs/method.md §3). */
const stopGradient = tf.customGrad((x, save) => {
  void save;
  return { value: (x as tf.Tensor).clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * ∂L/∂w of a convolution as one matmul per kernel tap: the gradient tfjs-wasm lacks
 * (no Conv2DBackpropFilter kernel), written from tfjs ops as a user would have to.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D {
  const [batch, , , cin] = x.shape;
  const [, oh, ow, cout] = dy.shape;
  const padded =
    pad > 0
      ? tf.pad(x, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ])
      : x;
  const dy2d = tf.reshape(dy, [batch * oh * ow, cout]);
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const window = tf.stridedSlice(
        padded,
        [0, i, j, 0],
        [batch, i + stride * (oh - 1) + 1, j + stride * (ow - 1) + 1, cin],
        [1, stride, stride, 1],
      );
      taps.push(tf.matMul(tf.reshape(window, [batch * oh * ow, cin]), dy2d, true, false));
    }
  }
  return tf.reshape(tf.stack(taps), [k, k, cin, cout]);
}

interface Layers {
  variables: tf.Variable[];
  /** Training-mode forward: BatchNorm on batch statistics, running statistics updated. */
  forward: (x: tf.Tensor4D) => tf.Tensor2D;
  /** Evaluation-mode forward of the backbone alone: the pooled feature h. */
  features: (x: tf.Tensor4D) => tf.Tensor2D;
  dispose: () => void;
}

/**
 * fmnist-resnet (docs/method.md §8) at `width`, then the method's head (Linear·BN·ReLU twice,
 * Linear) and L2 normalisation: v. He-initialised weights; `filterGrad` swaps in
 * conv2dFilterGrad for the backends without Conv2DBackpropFilter.
 */
function tfjsEncoder(options: { width: number; hidden: number; dim: number; filterGrad: boolean }): Layers {
  const c = Math.max(1, Math.round(32 * options.width));
  const variables: tf.Variable[] = [];
  const stats: tf.Variable[] = [];
  const param = (t: tf.Tensor) => {
    const v = tf.variable(t);
    variables.push(v);
    return v;
  };
  let training = true;
  const conv = (cin: number, cout: number, k: number, stride: number) => {
    const w = param(tf.mul(tf.randomNormal([k, k, cin, cout]), Math.sqrt(2 / (cout * k * k)))) as tf.Variable<tf.Rank.R4>;
    const pad = (k - 1) / 2;
    const plain = (x: tf.Tensor4D) => tf.conv2d(x, w, stride, pad === 0 ? 'valid' : pad);
    if (!options.filterGrad) return plain;
    const custom = tf.customGrad(((x: tf.Tensor4D, weight: tf.Tensor4D, save: tf.GradSaveFunc) => {
      save([x]);
      return {
        value: tf.conv2d(x as tf.Tensor4D, weight as tf.Tensor4D, stride, pad === 0 ? 'valid' : pad),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const input = saved[0] as tf.Tensor4D;
          const dx = tf.conv2dTranspose(dy as tf.Tensor4D, weight as tf.Tensor4D, input.shape, stride, pad === 0 ? 'valid' : pad);
          return [dx, conv2dFilterGrad(input, dy as tf.Tensor4D, k, stride, pad)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor4D, weight: tf.Tensor4D) => tf.Tensor4D;
    return (x: tf.Tensor4D) => (training ? custom(x, w) : plain(x));
  };
  /** BatchNorm over every axis but the last (channels), as tf.batchNorm wants it. */
  const bn = (channels: number, axes: number[]) => {
    const gamma = param(tf.ones([channels])),
      beta = param(tf.zeros([channels]));
    const runningMean = tf.variable(tf.zeros([channels]), false),
      runningVar = tf.variable(tf.ones([channels]), false);
    stats.push(runningMean, runningVar);
    return <T extends tf.Tensor>(x: T): T => {
      if (!training) return tf.batchNorm(x, runningMean, runningVar, beta, gamma, 1e-5) as T;
      const { mean, variance } = tf.moments(x, axes);
      const count = x.size / channels;
      tf.tidy(() => {
        runningMean.assign(tf.add(tf.mul(runningMean, 0.9), tf.mul(mean, 0.1)));
        runningVar.assign(tf.add(tf.mul(runningVar, 0.9), tf.mul(variance, (0.1 * count) / (count - 1))));
      });
      return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5) as T;
    };
  };
  const block = (cin: number, cout: number, stride: number) => {
    const [conv1, bn1, conv2, bn2] = [conv(cin, cout, 3, stride), bn(cout, [0, 1, 2]), conv(cout, cout, 3, 1), bn(cout, [0, 1, 2])];
    const shortcut = stride !== 1 || cin !== cout ? ([conv(cin, cout, 1, stride), bn(cout, [0, 1, 2])] as const) : null;
    return (x: tf.Tensor4D): tf.Tensor4D => {
      const h = bn2(conv2(tf.relu(bn1(conv1(x)))));
      return tf.relu(tf.add(h, shortcut ? shortcut[1](shortcut[0](x)) : x));
    };
  };
  const linear = (inputs: number, outputs: number) => {
    const w = param(tf.mul(tf.randomNormal([inputs, outputs]), Math.sqrt(1 / inputs))),
      b = param(tf.zeros([outputs]));
    return (x: tf.Tensor2D) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  };
  const [stem, stemBn] = [conv(1, c, 3, 1), bn(c, [0, 1, 2])];
  const stages = [block(c, c, 1), block(c, 2 * c, 2), block(2 * c, 4 * c, 2)];
  const head = [
    linear(4 * c, options.hidden),
    bn(options.hidden, [0]),
    linear(options.hidden, options.hidden),
    bn(options.hidden, [0]),
    linear(options.hidden, options.dim),
  ];
  const backbone = (x: tf.Tensor4D) =>
    tf.mean(
      stages.reduce((h, stage) => stage(h), tf.relu(stemBn(stem(x)))),
      [1, 2],
    ) as tf.Tensor2D;
  return {
    variables,
    forward: (x) => {
      training = true;
      let z = backbone(x);
      z = tf.relu(head[1]!(head[0]!(z)) as tf.Tensor2D);
      z = tf.relu(head[3]!(head[2]!(z)) as tf.Tensor2D);
      z = head[4]!(z);
      return tf.div(z, tf.norm(z, 2, 1, true)) as tf.Tensor2D;
    },
    features: (x) => {
      training = false;
      return backbone(x);
    },
    dispose: () => tf.dispose([...variables, ...stats]),
  };
}

/** The method's loss (docs/method.md §3) over every bank row: CE at τ plus λ·SqrtKL at temperature 1. */
export function methodLoss(
  v: tf.Tensor2D,
  bank: tf.Tensor2D,
  onehot: tf.Tensor2D,
  tau: number,
  lambda: number,
): { loss: tf.Scalar; p: tf.Tensor2D } {
  const s = tf.matMul(v, bank, false, true);
  const logP = tf.logSoftmax(tf.div(s, tau));
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, logP), 1)));
  const logPt = tf.logSoftmax(s);
  const logU = stopGradient(tf.logSoftmax(tf.div(s, 2)));
  const sqrtKl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logU)), 1));
  return { loss: tf.add(ce, tf.mul(sqrtKl, lambda)) as tf.Scalar, p: tf.exp(logP) as tf.Tensor2D };
}

/** The gradient-corrected update (docs/method.md §4): W ← normalise(m·W + (1 − m)·(Y − P)ᵀV), every row. */
export function correctedUpdate(bank: tf.Variable<tf.Rank.R2>, v: tf.Tensor2D, p: tf.Tensor2D, onehot: tf.Tensor2D, m: number): void {
  tf.tidy(() => {
    const u = tf.matMul(tf.sub(onehot, p), v, true, false);
    const w = tf.add(tf.mul(bank, m), tf.mul(u, 1 - m));
    bank.assign(tf.div(w, tf.norm(w, 2, 1, true)) as tf.Tensor2D);
  });
}

export interface TfjsMethodOptions {
  batch: number;
  bankSize: number;
  width: number;
  hidden: number;
  dim: number;
  tau: number;
  lambda: number;
  m: number;
  lr: number;
  /** Distinct images to draw batches from (the rest of the bank's instances reuse them). */
  pool: number;
}

export interface TfjsStep {
  /** One training step; resolves once tfjs has finished it. */
  step: () => Promise<void>;
  /** The memory-bank part alone, for a fixed v: loss, its gradient in v, the update. */
  bankPart: () => Promise<void>;
  /** Bytes of the training images held (left out of the peak-memory figure). */
  imageBytes: number;
  dispose: () => void;
}

/**
 * The method's training step in tfjs on the active backend: gather a batch, random resized
 * crop (cropAndResize) and flip, normalise, forward, loss against all N bank rows, gradients,
 * momentum SGD with weight decay 5e-4, then the corrected bank update.
 */
export function tfjsMethodStep(o: TfjsMethodOptions, filterGrad: boolean): TfjsStep {
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const images = tf.tidy(() => tf.floor(tf.randomUniform([o.pool, 28, 28, 1], 0, 256)));
  const encoder = tfjsEncoder({ width: o.width, hidden: o.hidden, dim: o.dim, filterGrad });
  const bank = tf.variable(
    tf.tidy(() => {
      const w = tf.randomNormal([o.bankSize, o.dim]);
      return tf.div(w, tf.norm(w, 2, 1, true));
    }),
    false,
  ) as tf.Variable<tf.Rank.R2>;
  const optimizer = tf.train.momentum(o.lr, 0.9);
  const fixedV = tf.tidy(() => {
    const v = tf.randomNormal([o.batch, o.dim]);
    return tf.div(v, tf.norm(v, 2, 1, true)) as tf.Tensor2D;
  });
  let cursor = 0;
  /** Instance indices of the next batch, their one-hot rows, and the augmented images. */
  const nextBatch = () => {
    const index = Int32Array.from({ length: o.batch }, () => (cursor = (cursor + 7919) % o.bankSize));
    const boxes = new Float32Array(4 * o.batch);
    for (let b = 0; b < o.batch; b++) {
      const area = 0.2 + 0.8 * random(),
        ratio = Math.exp(Math.log(3 / 4) + Math.log(16 / 9) * random());
      const w = Math.min(1, Math.sqrt(area * ratio)),
        h = Math.min(1, Math.sqrt(area / ratio));
      const x0 = (1 - w) * random(),
        y0 = (1 - h) * random();
      boxes.set([y0, x0, y0 + h, x0 + w], 4 * b);
    }
    const flips = Array.from({ length: o.batch }, () => random() < 0.5);
    const indexT = tf.tensor1d(index, 'int32');
    const onehot = tf.cast(tf.oneHot(indexT, o.bankSize), 'float32') as tf.Tensor2D;
    const x = tf.tidy(() => {
      const raw = tf.gather(
        images,
        tf.tensor1d(
          index.map((i) => i % o.pool),
          'int32',
        ),
      ) as tf.Tensor4D;
      const crops = tf.image.cropAndResize(
        raw,
        tf.tensor2d(boxes, [o.batch, 4]),
        tf.range(0, o.batch, 1, 'int32') as tf.Tensor1D,
        [28, 28],
        'bilinear',
      );
      const flipped = tf.where(
        tf.tile(
          tf.tensor4d(
            flips.map((f) => (f ? 1 : 0)),
            [o.batch, 1, 1, 1],
            'bool',
          ),
          [1, 28, 28, 1],
        ),
        tf.image.flipLeftRight(crops),
        crops,
      );
      return tf.div(tf.sub(tf.div(flipped, 255), 0.286), 0.353) as tf.Tensor4D;
    });
    indexT.dispose();
    return { onehot, x };
  };
  /** One scalar read back after everything queued: tfjs's way to wait for a device. */
  const settle = async () => {
    const probe = tf.slice(bank, [0, 0], [1, 1]);
    await probe.data();
    probe.dispose();
  };
  return {
    imageBytes: images.size * 4,
    step: async () => {
      const { onehot, x } = nextBatch();
      const kept: { v?: tf.Tensor2D; p?: tf.Tensor2D } = {};
      const { value, grads } = tf.variableGrads(() => {
        const v = encoder.forward(x);
        const out = methodLoss(v, bank, onehot, o.tau, o.lambda);
        kept.v = tf.keep(v);
        kept.p = tf.keep(out.p);
        return out.loss;
      }, encoder.variables);
      tf.tidy(() => {
        optimizer.applyGradients(
          encoder.variables.map((variable) => ({ name: variable.name, tensor: tf.add(grads[variable.name]!, tf.mul(variable, 5e-4)) })),
        );
      });
      correctedUpdate(bank, kept.v!, kept.p!, onehot, o.m);
      tf.dispose([value, grads, onehot, x, kept.v!, kept.p!]);
      await settle();
    },
    bankPart: async () => {
      const { onehot, x } = nextBatch();
      x.dispose();
      let p: tf.Tensor2D | null = null;
      const g = tf.grad((v: tf.Tensor) => {
        const out = methodLoss(v as tf.Tensor2D, bank, onehot, o.tau, o.lambda);
        p = tf.keep(out.p);
        return out.loss;
      })(fixedV);
      correctedUpdate(bank, fixedV, p!, onehot, o.m);
      tf.dispose([g, p!, onehot]);
      await settle();
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([images, bank, fixedV]);
      encoder.dispose();
    },
  };
}
