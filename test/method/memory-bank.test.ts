// The memory-bank op (docs/method.md §3–4): loss, gradient and both updates against the f64
// reference's autograd and finite differences, with the bank in one chunk and in several.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { type Backend, ReferenceBackend, scope, type Tensor } from '../../src/index.js';
import { MemoryBank } from '../../src/method/memory-bank.js';
import { testBackends } from '../helpers/backends.js';
import { expectClose, seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();
const [B, N, D] = [6, 23, 5];
const random = seededRandom(21);
const normal = (n: number) => Float64Array.from({ length: n }, () => random() * 2 - 1);
const vData = normal(B * D),
  bankData = normal(N * D);
const index = Int32Array.from([4, 0, 17, 9, 22, 11]);
const options = { tau: 0.1, lambda: 20, m: 0.5 };
const f64 = new ReferenceBackend({ precision: 'f64' });

function inputs(backend: Backend) {
  const v = ops.l2Normalize(ops.tensor(vData, [B, D], { backend, dtype: 'f32' }), 1);
  const bank = ops.l2Normalize(ops.tensor(bankData, [N, D], { backend, dtype: 'f32' }), 1);
  return { v, bank, index: ops.tensor(index, [B], { backend }) };
}

/** The loss written with plain differentiable ops, its gradient by autograd, and both updates by formula. */
async function expected(update: 'npid' | 'corrected', tau = options.tau) {
  const { v, bank, index: idx } = inputs(f64);
  v.requireGrad();
  const s = v.matmul(bank, { transB: true });
  const ce = ops.crossEntropy(s.div(tau), idx).mean();
  const pOne = ops.softmax(s, 1);
  const target = ops.softmax(s.mul(0.5), 1).detach();
  const kl = pOne.mul(pOne.log().sub(target.log())).sum(1).mean();
  const loss = ce.add(kl.mul(options.lambda));
  loss.backward();
  const p = ops.softmax(s.div(tau), 1);
  const y = ops.tensor(
    Float64Array.from({ length: B * N }, (_, k) => (index[Math.floor(k / N)] === k % N ? 1 : 0)),
    [B, N],
    { backend: f64 },
  );
  const m = options.m;
  let next: Tensor;
  if (update === 'corrected') {
    next = ops.l2Normalize(
      bank.mul(m).add(
        y
          .sub(p)
          .matmul(v.detach(), { transA: true })
          .mul(1 - m),
      ),
      1,
    );
  } else {
    const rows = Array.from({ length: N }, (_, j) => {
      const b = Array.from(index).indexOf(j);
      const row = bank.slice([j, 0], [1, D]);
      return b < 0
        ? row
        : ops.l2Normalize(
            row.mul(m).add(
              v
                .detach()
                .slice([b, 0], [1, D])
                .mul(1 - m),
            ),
            1,
          );
    });
    next = ops.concat(rows, 0);
  }
  return { loss: await loss.item(), grad: await v.grad!.data(), bank: await next.data() };
}

async function actual(backend: Backend, update: 'npid' | 'corrected', chunkRows?: number, tau = options.tau) {
  const { v, bank, index: idx } = inputs(backend);
  const memory = new MemoryBank(bank, chunkRows);
  const { loss, gradV } = memory.step(v, idx, { ...options, tau, update });
  const result = { loss: await loss.item(), grad: await gradV.data(), bank: await memory.rows.data() };
  for (const t of [v, idx, loss, gradV]) t.dispose();
  memory.dispose();
  return result;
}

describe.each(cases)('memory bank on $name', ({ backend }) => {
  describe.each([
    ['chunks as the binding allows (one)', undefined],
    ['chunks of 7 rows', 7],
  ] as const)('%s', (_, chunkRows) => {
    it.skipIf(!backend).each(['corrected', 'npid'] as const)('%s update: loss, gradient and new bank', async (update) => {
      const want = await expected(update);
      const got = await actual(backend!, update, chunkRows);
      expect(got.loss).toBeCloseTo(want.loss, 4);
      expectClose(got.grad, want.grad, 1e-4, 1e-5, 'gradient of v');
      expectClose(got.bank, want.bank, 1e-4, 1e-5, 'updated bank');
    });
  });
  // 1/τ whole (the kernels raise e^{s−M} to that power) or not (a second exponential)
  it.skipIf(!backend).each([0.25, 0.07, 1.5])('τ = %s: loss, gradient and new bank', async (tau) => {
    const want = await expected('corrected', tau);
    const got = await actual(backend!, 'corrected', 7, tau);
    expect(got.loss).toBeCloseTo(want.loss, 4);
    expectClose(got.grad, want.grad, 1e-4, 1e-5, 'gradient of v');
    expectClose(got.bank, want.bank, 1e-4, 1e-5, 'updated bank');
  });
});

describe.each(cases)('memory bank with chosen columns on $name', ({ backend }) => {
  it.skipIf(!backend)('all rows as sampled negatives, in another order, give the full-bank step', async () => {
    const others = Array.from({ length: N }, (_, j) => j)
      .filter((j) => !index.includes(j))
      .reverse();
    const columns = Int32Array.from([...index, ...others]);
    const run = async (withColumns: boolean) => {
      const { v, bank, index: idx } = inputs(backend!);
      const memory = new MemoryBank(bank, 7);
      const { loss, gradV } = memory.step(v, idx, { ...options, update: 'corrected', columns: withColumns ? columns : undefined });
      const result = { loss: await loss.item(), grad: await gradV.data(), bank: await memory.rows.data() };
      for (const t of [v, idx, loss, gradV]) t.dispose();
      memory.dispose();
      return result;
    };
    const full = await run(false),
      sampled = await run(true);
    expect(sampled.loss).toBeCloseTo(full.loss, 4);
    expectClose(sampled.grad, full.grad, 1e-4, 1e-5, 'gradient of v');
    expectClose(sampled.bank, full.bank, 1e-4, 1e-5, 'updated bank');
  });
});

describe.each(cases)('memory bank with CutMix targets on $name', ({ backend }) => {
  it.skipIf(!backend)("mixes the two instances' losses and gradients like labels", async () => {
    const partner = Int32Array.from([2, 5, 0, 1, 3, 4]),
      weight = 0.7;
    const { v: v64, bank: bank64, index: idx64 } = inputs(f64);
    v64.requireGrad();
    const s64 = v64.matmul(bank64, { transB: true });
    const partnerIndex = ops.tensor(
      Int32Array.from(partner, (p) => index[p]!),
      [B],
      { backend: f64 },
    );
    const ce = ops
      .crossEntropy(s64.div(options.tau), idx64)
      .mean()
      .mul(weight)
      .add(
        ops
          .crossEntropy(s64.div(options.tau), partnerIndex)
          .mean()
          .mul(1 - weight),
      );
    const pOne = ops.softmax(s64, 1),
      target = ops.softmax(s64.mul(0.5), 1).detach();
    const loss64 = ce.add(pOne.mul(pOne.log().sub(target.log())).sum(1).mean().mul(options.lambda));
    loss64.backward();

    const { v, bank, index: idx } = inputs(backend!);
    const memory = new MemoryBank(bank, 7);
    const { loss, gradV } = memory.step(v, idx, { ...options, update: 'npid', mix: { partner, weight } });
    expect(await loss.item()).toBeCloseTo(await loss64.item(), 4);
    expectClose(await gradV.data(), await v64.grad!.data(), 1e-4, 1e-5, 'gradient of v');
    memory.dispose();
  });
});

// SqrtKL's target ũ is held constant (docs/method.md §3), so its gradient is not the derivative of
// the loss value; the autograd comparison above covers it. Finite differences check L_CE.
it('with λ = 0 the gradient matches central finite differences of the loss (f64 reference)', async () => {
  const ce = { ...options, lambda: 0 };
  const lossAt = async (values: Float64Array) =>
    scope(() => {
      const bank = new MemoryBank(ops.l2Normalize(ops.tensor(bankData, [N, D], { backend: f64 }), 1), 7);
      const { loss } = bank.step(ops.tensor(values, [B, D], { backend: f64 }), ops.tensor(index, [B], { backend: f64 }), {
        ...ce,
        update: 'corrected',
      });
      bank.dispose();
      return loss;
    }).item();
  const base = Float64Array.from(await ops.l2Normalize(ops.tensor(vData, [B, D], { backend: f64 }), 1).data());
  const bank = new MemoryBank(ops.l2Normalize(ops.tensor(bankData, [N, D], { backend: f64 }), 1), 7);
  const { gradV } = bank.step(ops.tensor(base, [B, D], { backend: f64 }), ops.tensor(index, [B], { backend: f64 }), {
    ...ce,
    update: 'npid',
  });
  const analytic = await gradV.data();
  const h = 1e-6;
  for (let k = 0; k < base.length; k++) {
    const plus = base.slice(),
      minus = base.slice();
    plus[k]! += h;
    minus[k]! -= h;
    const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
    expect(Math.abs(analytic[k]! - numeric), `element ${k}: analytic ${analytic[k]} numeric ${numeric}`).toBeLessThan(
      1e-5 * Math.max(1, Math.abs(numeric)),
    );
  }
});
