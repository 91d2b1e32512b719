// What is particular to the WebAssembly backend: memory growth, thread-count independence,
// the fused multiply-add kernels against the plain ones, and clear errors from its kernels.
import { afterAll, expect, it } from 'vitest';
import { Generator } from '../src/engine/random.js';
import * as ops from '../src/index.js';
import { MemoryBank } from '../src/method/memory-bank.js';
import { createWasmBackend } from '../src/node.js';
import { expectClose } from './helpers/oracle.js';

const one = await createWasmBackend({ threads: 1 });
const three = await createWasmBackend({ threads: 3 });
const plain = await createWasmBackend({ threads: 2, fma: false });
afterAll(() => {
  one.destroy();
  three.destroy();
  plain.destroy();
});

/** A convolution, a depthwise one after ReLU6, a Winograd one, a matmul, a softmax and their gradients; a memory-bank step. */
async function convMatmulSoftmax(backend: typeof one) {
  const x = ops.randn([5, 6, 13, 11], { backend, seed: 1 }).requireGrad();
  const w = ops.randn([8, 3, 3, 3], { backend, seed: 2 }).requireGrad();
  const m = ops.randn([7, 130], { backend, seed: 3 }).requireGrad();
  const d = ops.randn([8, 1, 3, 3], { backend, seed: 6 }).requireGrad();
  const e = ops.randn([4, 6, 3, 3], { backend, seed: 7 }).requireGrad();
  const y = ops.conv2d(ops.relu6(ops.conv2d(x, w, { stride: 2, padding: 1, groups: 2 }).mul(4)), d, { padding: 1, groups: 8 });
  const z = y.reshape([-1, 7]).matmul(m);
  const loss = z
    .relu()
    .sum()
    .add(ops.softmax(z.mul(0.1), 1).max(1).sum())
    .add(ops.conv2d(x, e, { padding: 1, algorithm: 'winograd' }).relu().mean());
  loss.backward();
  const grads = [x, w, m, d, e].map((t) => t.grad!);
  const out = [await loss.toArray(), ...(await Promise.all(grads.map((g) => g.toArray())))];
  for (const t of [x, w, m, d, e, y, z, loss, ...grads]) t.dispose();
  const bank = MemoryBank.random(301, 16, { backend, generator: new Generator(4) });
  const v = ops.l2Normalize(ops.randn([9, 16], { backend, seed: 5 }), 1);
  const index = ops.tensor(Int32Array.from([3, 1, 4, 159, 26, 5, 35, 89, 79]), [9], { backend });
  const step = bank.step(v, index, { tau: 0.1, lambda: 20, m: 0.5, update: 'corrected' });
  out.push(await step.loss.toArray(), await step.gradV.toArray(), await bank.rows.toArray());
  for (const t of [v, index, step.loss, step.gradV, bank]) t.dispose();
  return out;
}

it('grows its memory for large tensors and frees them back to the pool', async () => {
  const before = one.memory();
  const big = ops.full([64, 1024, 1024], 2, { backend: one }); // 256 MiB, far above the initial memory
  const total = big.sum();
  expect(await total.item()).toBe(2 * 64 * 1024 * 1024);
  big.dispose();
  total.dispose();
  expect(one.memory().liveBuffers).toBe(before.liveBuffers);
  expect(one.memory().pooledBytes).toBeGreaterThanOrEqual(256 * 2 ** 20);
});

it('gives bit-identical results on one thread and on three', async () => {
  expect(await convMatmulSoftmax(three)).toEqual(await convMatmulSoftmax(one));
});

it('splits large binary ops across threads, by rows or within one long row, exactly as one thread does', async () => {
  // one contiguous row (70,001 outputs: a scalar tail), 300 short rows, two long rows with b broadcast along them
  const cases: [number[], number[], (i: number) => number][] = [
    [[70001], [70001], (i) => i],
    [[300, 257], [300, 1], (i) => Math.floor(i / 257)],
    [[2, 40003], [40003], (i) => i % 40003],
  ];
  for (const [aShape, bShape, bIndex] of cases) {
    for (const backend of [one, three]) {
      const a = ops.randn(aShape, { backend, seed: 8 });
      const b = ops.randn(bShape, { backend, seed: 9 });
      const [av, bv] = [await a.toArray(), await b.toArray()];
      const sum = a.add(b);
      const product = a.mul(b);
      expect(await sum.toArray()).toEqual(av.map((x, i) => Math.fround(x + bv[bIndex(i)]!)));
      expect(await product.toArray()).toEqual(av.map((x, i) => Math.fround(x * bv[bIndex(i)]!)));
      for (const t of [a, b, sum, product]) t.dispose();
    }
  }
});

it('uses fused multiply-add kernels in Node (relaxed SIMD), which agree with the plain ones', async () => {
  expect([one.fma, three.fma, plain.fma]).toEqual([true, true, false]);
  expect(three.description).toMatch(/^WebAssembly SIMD \+ FMA, 3 threads/);
  expect(plain.description).toMatch(/^WebAssembly SIMD, 2 threads/);
  const fused = await convMatmulSoftmax(three),
    separate = await convMatmulSoftmax(plain);
  for (const [i, values] of fused.entries())
    expectClose(values.flat(Infinity) as number[], separate[i]!.flat(Infinity) as number[], 1e-4, 1e-4, `output ${i}`);
});

it('names the op and the index when an index is out of range', () => {
  const table = ops.zeros([4, 3], { backend: one });
  const index = ops.tensor(Int32Array.from([1, 7]), [2], { backend: one });
  expect(() => ops.gather(table, index)).toThrow('gather: index 7 is out of range [0, 4)');
  table.dispose();
  index.dispose();
});

it('reports its threads', () => {
  expect(three.threads).toBe(3);
  expect(three.description).toContain('3 threads');
  expect(one.description).toContain('1 thread');
});
