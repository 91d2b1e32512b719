// Divergence: the loss guard passes real loss curves and stops NaN, infinite and exploding
// losses; a diverging trainer says where it diverged and never snapshots a non-finite state;
// a checkpoint holding a NaN is refused with the file and the tensor named.
import { expect, it } from 'vitest';
import { decodeTensorFile, encodeTensorFile } from '../../src/engine/io/tensor-file.js';
import { toDevice } from '../../src/method/data.js';
import { DivergenceError, LossGuard } from '../../src/method/guard.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../../src/method/train.js';
import { createWasmBackend } from '../../src/node.js';
import { bandedSplit } from '../helpers/idx.js';

// logged losses of 6-epoch runs on 2,000 images (batch 32, lr 0.1 after a one-epoch warm-up):
// the supervised reference's falls with batch noise, NPID's rises by a third before it falls
const SUPERVISED = [2.37, 2.35, 2.22, 2.37, 2.17, 1.99, 1.84, 1.52, 1.53, 1.38, 1.66, 1.47, 1.51, 1.73, 1.37, 1.26, 1.61, 1.1, 1.58, 0.84];
const NPID = [8.77, 8.55, 10.32, 11.11, 11.43, 11.02, 11.9, 10.58, 9.86, 9.28, 7.83, 7.56, 8.63, 9.24, 6.35, 8.22, 5.51, 5.27];

function feed(guard: LossGuard, losses: number[]): void {
  for (const [i, loss] of losses.entries()) guard.check(loss, 1, i + 1, losses.length);
}

it('passes real loss curves, and stops a NaN, an infinity or a tenfold jump with the epoch and step', () => {
  for (const curve of [SUPERVISED, NPID]) feed(new LossGuard(), curve);

  const guard = new LossGuard();
  feed(guard, SUPERVISED);
  // the reference is the highest running level (about 2.3 here), not the latest (about 1.4)
  expect(() => guard.check(30, 3, 7, 20)).toThrow(
    /^training diverged in epoch 3 at step 7 of 20: the loss 30.0 is over 10× its running level \(2\.\d+ at its highest\)$/,
  );
  expect(() => guard.check(NaN, 3, 8, 20)).toThrow('training diverged in epoch 3 at step 8 of 20: the loss is NaN');
  expect(() => guard.check(Infinity, 3, 9, 20)).toThrow('the loss is Infinity');
  expect(() => guard.check(20, 3, 10, 20)).not.toThrow(); // what throws is not taken in
  const error = (() => {
    try {
      guard.check(NaN, 4, 2, 20);
    } catch (e) {
      return e;
    }
  })() as DivergenceError;
  expect([error instanceof DivergenceError, error.epoch, error.step]).toEqual([true, 4, 2]);

  // the first reading only sets the level, and the state survives a snapshot
  const fresh = new LossGuard();
  expect(fresh.empty).toBe(true);
  fresh.check(1e6, 1, 1, 20);
  const copy = new LossGuard(fresh.snapshot());
  expect(copy.empty).toBe(false);
  expect(() => copy.check(1e8, 1, 2, 20)).toThrow('over 10×');
});

const backend = await createWasmBackend({ threads: 1 });
const train = toDevice(bandedSplit(48, 1), backend),
  test = toDevice(bandedSplit(20, 2), backend);
const config: TrainConfig = { ...DEFAULTS, epochs: 2, batch: 8, width: 0.25, hidden: 32, dim: 16 };

it('a diverging trainer stops at the step that showed it, and its state cannot be saved or loaded', async () => {
  const good = new Trainer(config, backend, train, test);
  good.calibrate();
  const bytes = encodeTensorFile(await good.snapshot());
  good.dispose();

  // past the settings' range, as only the API can ask: the first update blows the weights up
  const trainer = new Trainer({ ...config, lr: 1e20 }, backend, train, test);
  trainer.calibrate();
  const steps: number[] = [];
  await expect(trainer.trainEpoch((done) => void steps.push(done))).rejects.toThrow(
    /^training diverged in epoch 1 at step 5 of 6: the loss (is NaN|.* is over 10× its running level)/,
  );
  expect(steps).toEqual([1, 2, 3, 4]); // the listener never hears the diverged step
  await expect(trainer.snapshot()).rejects.toThrow(
    /^training diverged in epoch 1 by step 5 of 6: .* holds non-finite values, so it is not saved$/,
  );
  trainer.dispose();

  // a checkpoint with one NaN in it (its CRC intact: written by a writer without the guard)
  const file = decodeTensorFile(bytes, 'good.sslgpu');
  const bank = file.tensors.find((t) => t.name === 'bank')!;
  bank.data[3] = NaN;
  const poisoned = encodeTensorFile(file);
  const fresh = new Trainer(config, backend, train, test);
  expect(() => fresh.restore(poisoned, 'runs/x/checkpoint.sslgpu')).toThrow(
    'runs/x/checkpoint.sslgpu: tensor bank holds non-finite values (NaN or infinity); the run that wrote it had diverged',
  );
  fresh.dispose();
});
