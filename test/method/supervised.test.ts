// The supervised reference: it learns the labels (its training loss falls, and the kNN on its
// features and its classifier's top-1 beat chance by far on a separable toy set), it refuses a head that is not the
// classifier, and its checkpoints resume exactly (a refused one changes nothing).
import { expect, it } from 'vitest';
import { encodeTensorFile } from '../../src/engine/io/tensor-file.js';
import { toDevice } from '../../src/method/data.js';
import { SupervisedTrainer } from '../../src/method/supervised.js';
import { DEFAULTS } from '../../src/method/train.js';
import { createWasmBackend } from '../../src/node.js';
import { resolveSetting } from '../../src/settings.js';
import { edit, flattened } from '../helpers/checkpoint.js';
import { seededRandom } from '../helpers/oracle.js';

const backend = await createWasmBackend({ threads: 1 });
/** Stripes whose orientation is the class (a texture: global pooling keeps it), random phase and frequency. */
function stripes(count: number, random: () => number) {
  const pixels = new Uint8Array(count * 784);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 4);
  labels.forEach((label, n) => {
    const [angle, frequency, phase] = [(label * Math.PI) / 4, 0.8 + 0.4 * random(), random() * 2 * Math.PI];
    for (let p = 0; p < 784; p++) {
      const [y, x] = [Math.floor(p / 28), p % 28];
      pixels[n * 784 + p] = Math.round(127.5 + 127 * Math.sin(frequency * (x * Math.cos(angle) + y * Math.sin(angle)) + phase));
    }
  });
  return { pixels, labels, count, height: 28, width: 28 };
}
const random = seededRandom(3);
const train = toDevice(stripes(160, random), backend);
const test = toDevice(stripes(80, random), backend);

it('learns the labels: the loss falls and kNN on its features is far above chance', async () => {
  const { config: flags } = resolveSetting({ method: 'supervised', epochs: '4', batch: '20', lr: '0.1', width: '0.25', 'crop-min': '0.5' });
  const config = { ...flags, dim: 4, logEvery: 1 }; // four classes here
  const trainer = new SupervisedTrainer(config, backend, train, test);
  const first = await trainer.trainEpoch();
  let last = first;
  while (trainer.epoch < config.epochs) last = await trainer.trainEpoch();
  expect(last.loss).toBeLessThan(first.loss / 2);
  const { knnV, knnH } = await trainer.evaluate();
  expect(knnV).toBeGreaterThan(0.8);
  expect(knnH).toBeGreaterThan(0.8);
  // its classifier's top-1 (the largest logit), on the test set by default or on any set
  expect(await trainer.accuracy()).toBeGreaterThan(0.8);
  expect(await trainer.accuracy(train)).toBeGreaterThan(0.8);
  trainer.dispose();
}, 120_000);

it('its head must be the linear classifier, one logit a class', () => {
  expect(() => new SupervisedTrainer({ ...DEFAULTS }, backend, train, test)).toThrow(
    'SupervisedTrainer: the head must be linear with dim 4 (one logit a class), got mlp with dim 128',
  );
});

it('resumes from a checkpoint exactly, and a refused checkpoint changes nothing', async () => {
  const { config: flags } = resolveSetting({ method: 'supervised', epochs: '2', batch: '40', width: '0.25' });
  const config = { ...flags, dim: 4, logEvery: 1 };
  const losses = async (trainer: SupervisedTrainer) => {
    const heard: number[] = [];
    await trainer.trainEpoch((_d, _t, loss) => void (loss !== null && heard.push(loss)));
    return heard;
  };
  const straight = new SupervisedTrainer(config, backend, train, test);
  await losses(straight);
  const bytes = encodeTensorFile(await straight.snapshot());
  const second = await losses(straight);
  straight.dispose();

  const resumed = new SupervisedTrainer(config, backend, train, test);
  resumed.restore(bytes, 'supervised.sslgpu');
  const head = [...resumed.encoder.stateDict().keys()].find((name) => name.startsWith('head.'))!;
  expect(() => resumed.restore(flattened(bytes, head), 'bad.sslgpu')).toThrow(`bad.sslgpu: ${head} is f32`);
  expect(() =>
    resumed.restore(
      edit(bytes, (f) => (f.meta.epoch = -1)),
      'bad.sslgpu',
    ),
  ).toThrow('bad.sslgpu: epoch -1');
  expect(() => new SupervisedTrainer({ ...config, lr: 0.5 }, backend, train, test).restore(bytes, 'c.sslgpu')).toThrow(
    `c.sslgpu: was trained with lr = ${config.lr}; this run has lr = 0.5`,
  );
  expect(await losses(resumed)).toEqual(second);
  resumed.dispose();
}, 120_000);
