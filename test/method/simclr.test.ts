// The SimCLR baseline (docs/method.md §6): NT-Xent and its gradient against a plain f64
// implementation written out by hand and against central finite differences; SimCLR steps
// lower the loss and pause and resume like the method's; and the peak-memory figure the
// overhead experiment reports.
import { describe, expect, it } from 'vitest';
import { encodeTensorFile } from '../../src/engine/io/tensor-file.js';
import * as ops from '../../src/index.js';
import { type Backend, Generator, noGrad, ReferenceBackend, scope } from '../../src/index.js';
import { toDevice } from '../../src/method/data.js';
import { ntXent, SIMCLR_DEFAULTS, type SimCLRConfig, SimCLRTrainer } from '../../src/method/simclr.js';
import { createWasmBackend } from '../../src/node.js';
import { testBackends } from '../helpers/backends.js';
import { edit, flattened } from '../helpers/checkpoint.js';
import { expectClose, seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();
const f64 = new ReferenceBackend({ precision: 'f64' });
const [B, D, TAU] = [3, 5, 0.5];
const ROWS = 2 * B;
const random = seededRandom(42);
const xData = Float64Array.from({ length: ROWS * D }, () => random() * 2 - 1);

/**
 * NT-Xent of x [2B, d] written out in plain f64 loops: z = x/||x||, s_ik = z_i·z_k/τ over
 * k ≠ i, L = (1/2B) Σ_i (log Σ_{k≠i} e^{s_ik} − s_{i,i+B mod 2B}), and its gradient
 * ∂L/∂z_i = (Σ_{k≠i} (P_ik + P_ki) z_k − 2 z_{partner(i)}) / (2Bτ), then through the norm.
 */
function plainNtXent(x: Float64Array, rows: number, dim: number, tau: number): { loss: number; grad: Float64Array } {
  const norms = Array.from({ length: rows }, (_, i) => Math.hypot(...x.subarray(i * dim, (i + 1) * dim)));
  const z = Float64Array.from(x, (value, k) => value / norms[Math.floor(k / dim)]!);
  const dot = (i: number, k: number) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += z[i * dim + c]! * z[k * dim + c]!;
    return s;
  };
  const partner = (i: number) => (i + rows / 2) % rows;
  const p: number[][] = [];
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const s = Array.from({ length: rows }, (_, k) => dot(i, k) / tau);
    const max = Math.max(...s.filter((_, k) => k !== i));
    const total = s.reduce((sum, v, k) => (k === i ? sum : sum + Math.exp(v - max)), 0);
    loss += max + Math.log(total) - s[partner(i)]!;
    p.push(s.map((v, k) => (k === i ? 0 : Math.exp(v - max) / total)));
  }
  const grad = new Float64Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const g = new Float64Array(dim);
    for (let k = 0; k < rows; k++) {
      const weight = p[i]![k]! + p[k]![i]! - (k === partner(i) ? 2 : 0);
      for (let c = 0; c < dim; c++) g[c]! += (weight * z[k * dim + c]!) / (rows * tau);
    }
    let along = 0;
    for (let c = 0; c < dim; c++) along += g[c]! * z[i * dim + c]!;
    for (let c = 0; c < dim; c++) grad[i * dim + c] = (g[c]! - along * z[i * dim + c]!) / norms[i]!;
  }
  return { loss: loss / rows, grad };
}

/** The engine's NT-Xent of l2Normalize(x) and its gradient with respect to x, by autograd. */
async function engineNtXent(backend: Backend, values: Float64Array): Promise<{ loss: number; grad: Float64Array }> {
  const x = ops.tensor(values, [ROWS, D], { backend, dtype: 'f32' }).requireGrad();
  const loss = scope(() => {
    const l = ntXent(ops.l2Normalize(x, 1), TAU);
    l.backward();
    return l;
  });
  const result = { loss: await loss.item(), grad: Float64Array.from(await x.grad!.data()) };
  x.grad!.dispose();
  for (const t of [x, loss]) t.dispose();
  return result;
}

describe('NT-Xent', () => {
  const want = plainNtXent(xData, ROWS, D, TAU);

  it('the hand-written gradient matches central finite differences of the hand-written loss', () => {
    const h = 1e-6;
    for (let k = 0; k < xData.length; k++) {
      const plus = xData.slice(),
        minus = xData.slice();
      plus[k]! += h;
      minus[k]! -= h;
      const numeric = (plainNtXent(plus, ROWS, D, TAU).loss - plainNtXent(minus, ROWS, D, TAU).loss) / (2 * h);
      expect(Math.abs(want.grad[k]! - numeric), `element ${k}`).toBeLessThan(1e-7);
    }
  });

  it('on the f64 reference: loss and gradient equal the hand-written ones and central finite differences', async () => {
    const got = await engineNtXent(f64, xData);
    expect(got.loss).toBeCloseTo(want.loss, 12);
    expectClose(got.grad, want.grad, 1e-10, 1e-12, 'gradient of x');
    const lossAt = (values: Float64Array) =>
      noGrad(() => scope(() => ntXent(ops.l2Normalize(ops.tensor(values, [ROWS, D], { backend: f64 }), 1), TAU))).item();
    const h = 1e-6;
    for (let k = 0; k < xData.length; k++) {
      const plus = xData.slice(),
        minus = xData.slice();
      plus[k]! += h;
      minus[k]! -= h;
      const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
      expect(Math.abs(got.grad[k]! - numeric), `element ${k}: analytic ${got.grad[k]} numeric ${numeric}`).toBeLessThan(1e-7);
    }
  });

  it.each(cases)('on $name: loss and gradient equal the hand-written f64 ones', async ({ backend }) => {
    if (!backend) return;
    const got = await engineNtXent(backend, xData);
    expect(got.loss).toBeCloseTo(want.loss, 4);
    expectClose(got.grad, want.grad, 1e-4, 1e-5, 'gradient of x');
  });

  it('refuses an odd number of views', () => {
    const z = ops.tensor(new Float32Array(15), [5, 3], { backend: f64 });
    expect(() => ntXent(z, TAU)).toThrow('ntXent: expected [2B, d]');
  });
});

describe('SimCLR training', async () => {
  const backend = await createWasmBackend({ threads: 1 });
  const draw = seededRandom(5);
  // each image a grating of its own direction and frequency, which crops and flips largely keep
  const split = (count: number) => {
    const pixels = new Uint8Array(count * 784);
    for (let n = 0; n < count; n++) {
      const [angle, frequency, phase] = [draw() * Math.PI, 0.2 + 0.8 * draw(), draw() * 2 * Math.PI];
      for (let p = 0; p < 784; p++) {
        const [y, x] = [Math.floor(p / 28), p % 28];
        pixels[n * 784 + p] = Math.round(127.5 + 127 * Math.sin(frequency * (x * Math.cos(angle) + y * Math.sin(angle)) + phase));
      }
    }
    return { pixels, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, height: 28, width: 28 };
  };
  const train = toDevice(split(24), backend),
    test = toDevice(split(10), backend);
  const config: SimCLRConfig = { ...SIMCLR_DEFAULTS, epochs: 8, batch: 12, lr: 0.1, width: 0.25, hidden: 32, dim: 16, logEvery: 1 };

  /** NT-Xent of fixed views of the first 12 images (fixed crops, batch statistics): the same inputs before and after. */
  const fixedLoss = (trainer: SimCLRTrainer) =>
    noGrad(() =>
      scope(() => {
        trainer.encoder.train();
        const index = ops.tensor(
          Int32Array.from({ length: 24 }, (_, i) => i % 12),
          [24],
          { backend },
        );
        const views = ops.augment(train.images, index, 28, 28, { generator: new Generator(99) });
        return ntXent(trainer.encoder.forward(views), config.tau);
      }),
    ).item();

  it("SimCLR's head has one hidden layer, and training steps lower the loss on fixed views", async () => {
    const trainer = new SimCLRTrainer(config, backend, train, test);
    expect(trainer.encoder.head.layers.length).toBe(4); // Linear · BN · ReLU · Linear
    const before = await fixedLoss(trainer);
    const losses: number[] = [];
    while (trainer.epoch < config.epochs)
      await trainer.trainEpoch((_d, _t, loss) => {
        if (loss !== null) losses.push(loss);
      });
    const after = await fixedLoss(trainer);
    expect(losses).toHaveLength(config.epochs * trainer.stepsPerEpoch);
    expect(after).toBeLessThan(0.85 * before); // 2.98 → 2.10 here
    expect(Math.min(...losses.slice(-4))).toBeLessThan(losses[0]!);
    expect(await trainer.evaluate()).toEqual({ knnV: expect.any(Number), knnH: expect.any(Number) });
    trainer.dispose();
  });

  it('an epoch paused mid-way, saved and restored, continues to the same losses (the loop the method uses)', async () => {
    const short = { ...config, epochs: 1, batch: 8 };
    const straight = new SimCLRTrainer(short, backend, train, test);
    const all: number[] = [];
    await straight.trainEpoch((_d, _t, loss) => {
      if (loss !== null) all.push(loss);
    });
    straight.dispose();

    const first = new SimCLRTrainer(short, backend, train, test);
    const losses: number[] = [];
    const paused = await first.trainEpoch((done, _t, loss) => {
      if (loss !== null) losses.push(loss);
      return done < 1;
    });
    expect(paused.complete).toBe(false);
    const bytes = encodeTensorFile(await first.snapshot());
    first.dispose();
    const resumed = new SimCLRTrainer(short, backend, train, test);
    resumed.restore(bytes, 'simclr.sslgpu');
    // refused checkpoints change nothing: the losses below are still the straight run's
    expect(() => resumed.restore(flattened(bytes, 'optimizer.velocity.3'), 'bad.sslgpu')).toThrow(
      'bad.sslgpu: optimizer.velocity.3 is f32',
    );
    expect(() =>
      resumed.restore(
        edit(bytes, (f) => (f.meta.epoch = 1e9)),
        'bad.sslgpu',
      ),
    ).toThrow('bad.sslgpu: epoch 1000000000');
    expect(
      (
        await resumed.trainEpoch((_d, _t, loss) => {
          if (loss !== null) losses.push(loss);
        })
      ).complete,
    ).toBe(true);
    expect(losses).toEqual(all);
    expect(() => new SimCLRTrainer({ ...short, tau: 0.2 }, backend, train, test).restore(bytes, 'c.sslgpu')).toThrow(
      'c.sslgpu: was trained with tau = 0.5; this run has tau = 0.2',
    );
    resumed.dispose();
  });
});

describe.each(cases)('peak memory on $name', ({ backend }) => {
  it.skipIf(!backend)('rises with a large allocation, stays after it is freed, and resets to what is live', () => {
    backend!.resetPeak();
    const start = backend!.memory();
    expect(start.peakBytes).toBeGreaterThanOrEqual(start.liveBytes);
    const big = ops.zeros([1 << 20], { backend: backend! }); // 4 MiB
    const during = backend!.memory();
    expect(during.peakBytes).toBeGreaterThanOrEqual(start.peakBytes + 4 * 2 ** 20);
    big.dispose();
    const after = backend!.memory();
    expect(after.liveBytes).toBe(start.liveBytes);
    expect(after.peakBytes).toBe(during.peakBytes);
    backend!.resetPeak();
    expect(backend!.memory().peakBytes).toBe(start.peakBytes);
  });
});
