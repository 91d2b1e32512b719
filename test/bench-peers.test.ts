// The benchmarks' own pieces: the TensorFlow.js peer must compute the method's step as we
// do (same loss, gradient and corrected bank update; its hand-written filter gradient equals
// tfjs's own), and the call profiler must count the work it reports.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { profileCalls } from '../bench/calls.js';
import { conv2dFilterGrad, correctedUpdate, methodLoss, useTfjs } from '../bench/tfjs.js';
import * as ops from '../src/index.js';
import { ReferenceBackend } from '../src/index.js';
import { MemoryBank } from '../src/method/memory-bank.js';
import { expectClose, seededRandom } from './helpers/oracle.js';

await useTfjs('cpu');
const random = seededRandom(5);
const normal = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);

describe('the TensorFlow.js peer', () => {
  it('computes the method loss, its gradient in v and the corrected update as the engine does', async () => {
    const [B, N, D] = [5, 19, 6];
    const settings = { tau: 0.1, lambda: 20, m: 0.5 };
    const vData = normal(B * D),
      bankData = normal(N * D);
    const index = Int32Array.from([3, 0, 18, 7, 11]);

    const backend = new ReferenceBackend({ precision: 'f64' });
    const v = ops.l2Normalize(ops.tensor(vData, [B, D], { backend }), 1);
    const memory = new MemoryBank(ops.l2Normalize(ops.tensor(bankData, [N, D], { backend }), 1));
    const ours = memory.step(v, ops.tensor(index, [B], { backend }), { ...settings, update: 'corrected' });

    const normalise = (t: tf.Tensor) => tf.div(t, tf.norm(t, 2, 1, true));
    const theirV = normalise(tf.tensor2d(vData, [B, D])) as tf.Tensor2D;
    const bank = tf.variable(normalise(tf.tensor2d(bankData, [N, D])), false) as tf.Variable<tf.Rank.R2>;
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(index, 'int32'), N), 'float32') as tf.Tensor2D;
    let p: tf.Tensor2D | null = null;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => {
      const out = methodLoss(x as tf.Tensor2D, bank, onehot, settings.tau, settings.lambda);
      p = tf.keep(out.p);
      return out.loss;
    })(theirV);
    correctedUpdate(bank, theirV, p!, onehot, settings.m);

    expect(value.dataSync()[0]).toBeCloseTo(await ours.loss.item(), 4);
    expectClose(grad.dataSync(), await ours.gradV.data(), 1e-4, 1e-5, 'gradient in v');
    expectClose(bank.dataSync(), await memory.rows.data(), 1e-4, 1e-5, 'updated bank');
  });

  it("hand-written filter gradient equals tfjs-cpu's Conv2DBackpropFilter", () => {
    for (const [k, stride, pad] of [
      [3, 1, 1],
      [3, 2, 1],
      [1, 2, 0],
    ] as const) {
      const x = tf.tensor4d(normal(2 * 9 * 9 * 3), [2, 9, 9, 3]);
      const w = tf.tensor4d(normal(k * k * 3 * 4), [k, k, 3, 4]);
      const y = tf.conv2d(x, w, stride, pad === 0 ? 'valid' : pad);
      const dy = tf.tensor4d(normal(y.size), y.shape as [number, number, number, number]);
      const native = tf.grad((weight: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x, weight as tf.Tensor4D, stride, pad === 0 ? 'valid' : pad), dy)),
      )(w);
      expectClose(
        conv2dFilterGrad(x, dy, k, stride, pad).dataSync(),
        native.dataSync(),
        1e-4,
        1e-4,
        `filter gradient ${k}×${k} stride ${stride}`,
      );
    }
  });
});

describe('profileCalls', () => {
  it("times each kernel call and counts a matmul's floating-point work", async () => {
    const profiled = profileCalls(new ReferenceBackend());
    const a = ops.randn([8, 5], { backend: profiled.backend, seed: 1 }),
      b = ops.randn([5, 3], { backend: profiled.backend, seed: 2 });
    await a.matmul(b).relu().data();
    const report = profiled.report();
    const matmul = report.find((k) => k.kernel.startsWith('matmul'))!;
    expect(matmul).toMatchObject({ kernel: 'matmul 8×3×5', calls: 1, flops: 2 * 8 * 3 * 5, bytes: 4 * (40 + 15 + 24) });
    expect(report.map((k) => k.kernel)).toContain('unary relu');
    profiled.reset();
    expect(profiled.report()).toEqual([]);
  });

  it('names the depthwise passes and counts each the forward pass of multiply-adds', () => {
    const profiled = profileCalls(new ReferenceBackend());
    const x = ops.randn([2, 4, 6, 6], { backend: profiled.backend, seed: 1 }).requireGrad();
    const w = ops.randn([4, 1, 3, 3], { backend: profiled.backend, seed: 2 }).requireGrad();
    ops.conv2d(x, w, { padding: 1, groups: 4 }).sum().backward();
    const passes = profiled.report().filter((k) => k.kernel.startsWith('depthwise'));
    expect(passes.map((k) => k.kernel).sort()).toEqual(
      ['depthwise fwd', 'depthwise grad input', 'depthwise grad weight'].map((p) => `${p} 3×3 4→4 /1 6²`),
    );
    for (const pass of passes) expect(pass.flops).toBe(2 * 2 * 4 * 36 * 9);
  });
});
