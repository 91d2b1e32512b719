// What is particular to the WebAssembly backend: memory growth, thread-count independence,
// and clear errors from its kernels.
import { afterAll, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import { createWasmBackend } from '../src/node.js';

const one = await createWasmBackend({ threads: 1 });
const three = await createWasmBackend({ threads: 3 });
afterAll(() => { one.destroy(); three.destroy(); });

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
  const run = async (backend: typeof one) => {
    const x = ops.randn([5, 6, 13, 11], { backend, seed: 1 }).requireGrad();
    const w = ops.randn([8, 3, 3, 3], { backend, seed: 2 }).requireGrad();
    const m = ops.randn([7, 130], { backend, seed: 3 }).requireGrad();
    const y = ops.conv2d(x, w, { stride: 2, padding: 1, groups: 2 });
    const loss = y.reshape([-1, 7]).matmul(m).relu().sum();
    loss.backward();
    const out = [await loss.toArray(), await x.grad!.toArray(), await w.grad!.toArray(), await m.grad!.toArray()];
    for (const t of [x, w, m, y, loss, x.grad!, w.grad!, m.grad!]) t.dispose();
    return out;
  };
  expect(await run(three)).toEqual(await run(one));
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
