// The last batch of an epoch: whatever is left after the full batches, except that a single
// image joins the batch before it (BatchNorm cannot normalise one value per channel). Data
// sizes one and two past a multiple of the batch train on the reference and on WebAssembly,
// to the same losses.
import { expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/engine/backends/reference/backend.js';
import { batchCount, imagesIn, toDevice } from '../../src/method/data.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../../src/method/train.js';
import { createWasmBackend } from '../../src/node.js';
import { bandedSplit } from '../helpers/idx.js';

it('cuts an epoch into full batches and a last one of two images or more', () => {
  const cut = (count: number, size: number) => Array.from({ length: batchCount(count, size) + 1 }, (_, i) => imagesIn(i, count, size));
  expect(cut(512, 256)).toEqual([0, 256, 512]);
  expect(cut(257, 256)).toEqual([0, 257]);
  expect(cut(258, 256)).toEqual([0, 256, 258]);
  expect(cut(513, 256)).toEqual([0, 256, 513]);
  expect(cut(100, 256)).toEqual([0, 100]);
  expect(cut(501, 500)).toEqual([0, 501]); // calibration's blocks are cut the same way
});

const config: TrainConfig = { ...DEFAULTS, epochs: 1, batch: 8, width: 0.25, hidden: 32, dim: 16, logEvery: 1 };
const backends = [new ReferenceBackend(), await createWasmBackend({ threads: 1 })];

it.each([17, 18])('trains an epoch of %i images with batch 8 the same on the reference and on WebAssembly', async (count) => {
  const train = bandedSplit(count, count),
    test = bandedSplit(10, 1);
  const runs = [];
  for (const backend of backends) {
    const trainer = new Trainer(config, backend, toDevice(train, backend), toDevice(test, backend));
    trainer.calibrate();
    const losses: number[] = [];
    const images: number[] = [];
    await trainer.trainEpoch((done, _total, loss) => {
      images.push(trainer.imagesAfter(done));
      if (loss !== null) losses.push(loss);
    });
    expect(images).toEqual(count === 17 ? [8, 17] : [8, 16, 18]);
    expect(trainer.epoch).toBe(1);
    runs.push(losses);
    trainer.dispose();
  }
  // the backends' f32 roundings differ by about 1e-6 at the first step; this tiny network's
  // steps magnify that to a few 1e-4 within four steps, with or without a short last batch
  const [reference, wasm] = runs as [number[], number[]];
  expect(wasm.length).toBe(reference.length);
  for (const [i, loss] of wasm.entries()) {
    expect(Number.isFinite(loss)).toBe(true);
    expect(Math.abs(loss - reference[i]!), `step ${i + 1}: ${loss} vs ${reference[i]}`).toBeLessThanOrEqual(1e-3 * reference[i]!);
  }
});
