// TensorFlow.js's WebAssembly backend (XNNPACK) as the peer baseline: matmul and the
// fmnist-resnet forward pass, built from tfjs-core ops with the same shapes as ours
// (NHWC, tfjs's native layout). Bench-only: the engine never imports TensorFlow.js.

import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export async function initTfjsWasm(): Promise<string> {
  setThreadsCount(1); // tfjs-wasm runs one thread in Node
  await tf.setBackend('wasm');
  await tf.ready();
  return `tfjs-backend-wasm ${tf.version_core}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'yes' : 'no'}`;
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

/** fmnist-resnet's forward pass at width 1 in evaluation mode (batchnorm with fixed statistics). */
export function tfjsResNetForward(batch: number, width = 1): { run: () => Promise<void>; dispose: () => void } {
  const c = Math.max(1, Math.round(32 * width));
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (kept.push(t), t);
  const conv = (cin: number, cout: number, k: number, stride: number, pad: number) => {
    const w = keep(tf.mul(tf.randomNormal([k, k, cin, cout]), Math.sqrt(2 / (cout * k * k))));
    return (x: tf.Tensor4D) => tf.conv2d(x, w as tf.Tensor4D, stride, pad === 0 ? 'valid' : pad);
  };
  const bn = (channels: number) => {
    const [mean, variance, beta, gamma] = [tf.zeros([channels]), tf.ones([channels]), tf.zeros([channels]), tf.ones([channels])].map(keep);
    return (x: tf.Tensor4D) => tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
  };
  const block = (cin: number, cout: number, stride: number) => {
    const [conv1, bn1, conv2, bn2] = [conv(cin, cout, 3, stride, 1), bn(cout), conv(cout, cout, 3, 1, 1), bn(cout)];
    const shortcut = stride !== 1 || cin !== cout ? [conv(cin, cout, 1, stride, 0), bn(cout)] as const : null;
    return (x: tf.Tensor4D): tf.Tensor4D => {
      const h = bn2(conv2(tf.relu(bn1(conv1(x)))));
      const skip = shortcut ? shortcut[1](shortcut[0](x)) : x;
      return tf.relu(tf.add(h, skip));
    };
  };
  const [stem, stemBn] = [conv(1, c, 3, 1, 1), bn(c)];
  const stages = [block(c, c, 1), block(c, 2 * c, 2), block(2 * c, 4 * c, 2)];
  const images = keep(tf.randomNormal([batch, 28, 28, 1])) as tf.Tensor4D;
  return {
    run: async () => {
      const h = tf.tidy(() => tf.mean(stages.reduce((x, stage) => stage(x), tf.relu(stemBn(stem(images)))), [1, 2]));
      await h.data();
      h.dispose();
    },
    dispose: () => tf.dispose(kept),
  };
}
