// Checkpoints: a run stopped after an epoch and resumed from its checkpoint continues
// exactly like the uninterrupted run; a damaged checkpoint is refused, naming the file.
import { expect, it } from 'vitest';
import { encodeTensorFile } from '../../src/engine/io/tensor-file.js';
import { toDevice } from '../../src/method/data.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../../src/method/train.js';
import { createWasmBackend } from '../../src/node.js';
import { seededRandom } from '../helpers/oracle.js';

const backend = await createWasmBackend({ threads: 2 });
const random = seededRandom(3);
const split = (count: number) => ({
  pixels: Uint8Array.from({ length: count * 784 }, () => Math.floor(random() * 256)),
  labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
  count,
  height: 28,
  width: 28,
});
const train = toDevice(split(48), backend),
  test = toDevice(split(20), backend);
const config: TrainConfig = { ...DEFAULTS, epochs: 2, batch: 16, width: 0.25, hidden: 32, dim: 16, logEvery: 1 };

async function epochs(trainer: Trainer, count: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < count; i++)
    await trainer.trainEpoch((_d, _t, loss) => {
      if (loss !== null) losses.push(loss);
    });
  return losses;
}

it('resuming from a checkpoint reproduces the uninterrupted run', async () => {
  const straight = new Trainer(config, backend, train, test);
  straight.calibrate();
  const all = await epochs(straight, 2);
  const knn = await straight.evaluate();
  straight.dispose();

  const first = new Trainer(config, backend, train, test);
  first.calibrate();
  const before = await epochs(first, 1);
  const bytes = encodeTensorFile(await first.snapshot());
  first.dispose();
  const resumed = new Trainer(config, backend, train, test);
  resumed.restore(bytes, 'checkpoint.sslgpu');
  expect(resumed.epoch).toBe(1);
  const after = await epochs(resumed, 1);
  expect([...before, ...after]).toEqual(all);
  expect(await resumed.evaluate()).toEqual(knn);

  const damaged = bytes.slice();
  damaged[damaged.length - 9]! ^= 0xff;
  expect(() => resumed.restore(damaged, 'runs/x/checkpoint.sslgpu')).toThrow(/runs\/x\/checkpoint.sslgpu: .*checksum/);
  expect(() => resumed.restore(bytes.subarray(0, bytes.length - 100), 'runs/x/checkpoint.sslgpu')).toThrow('runs/x/checkpoint.sslgpu');
  expect(() => new Trainer({ ...config, tau: 0.2 }, backend, train, test).restore(bytes, 'c.sslgpu')).toThrow(
    'c.sslgpu: was trained with tau = 0.1, this run has 0.2',
  );
  resumed.dispose();
});

it('an epoch paused mid-way, saved and restored, continues to the same losses', async () => {
  const straight = new Trainer(config, backend, train, test);
  straight.calibrate();
  const all = await epochs(straight, 1);
  straight.dispose();

  const first = new Trainer(config, backend, train, test);
  first.calibrate();
  const losses: number[] = [];
  const heard = (_done: number, _total: number, loss: number | null) => void (loss !== null && losses.push(loss));
  const paused = await first.trainEpoch((done, total, loss) => {
    heard(done, total, loss);
    return done < 2;
  });
  expect([paused.complete, first.epoch]).toEqual([false, 0]);
  const bytes = encodeTensorFile(await first.snapshot());
  first.dispose();
  const resumed = new Trainer(config, backend, train, test);
  resumed.restore(bytes, 'checkpoint.sslgpu');
  const rest = await resumed.trainEpoch(heard);
  expect([rest.complete, resumed.epoch]).toEqual([true, 1]);
  expect(losses).toEqual(all);
  resumed.dispose();
});
