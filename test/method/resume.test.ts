// Checkpoints: a run stopped after an epoch and resumed from its checkpoint continues
// exactly like the uninterrupted run; a damaged or inconsistent checkpoint is refused, naming
// the file, and leaves the trainer exactly as it was.
import { expect, it } from 'vitest';
import { readRunCheckpoint } from '../../src/checkpoint.js';
import { decodeTensorFile, encodeTensorFile } from '../../src/engine/io/tensor-file.js';
import { toDevice } from '../../src/method/data.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../../src/method/train.js';
import { createWasmBackend } from '../../src/node.js';
import { edit, flattened, tensorOf } from '../helpers/checkpoint.js';
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
  expect(() => new Trainer({ ...config, tau: 0.2, m: 0.3, update: 'npid' }, backend, train, test).restore(bytes, 'c.sslgpu')).toThrow(
    'c.sslgpu: was trained with tau = 0.1, m = 0.5, update = corrected; this run has tau = 0.2, m = 0.3, update = npid',
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

it('an inconsistent checkpoint is refused before anything is replaced: training goes on as if it had not been offered', async () => {
  const untouched = new Trainer(config, backend, train, test);
  untouched.calibrate();
  await epochs(untouched, 1);
  const expected = await epochs(untouched, 1);
  const knn = await untouched.evaluate();
  untouched.dispose();

  // a checkpoint of another state of the same run (paused after one step), made inconsistent
  const other = new Trainer(config, backend, train, test);
  other.calibrate();
  await other.trainEpoch((done) => done < 1);
  const bytes = encodeTensorFile(await other.snapshot());
  other.dispose();
  const weight = decodeTensorFile(bytes).tensors[0]!.name;
  const cases: [Uint8Array, string][] = [
    [flattened(bytes, 'optimizer.velocity.0'), 'optimizer.velocity.0 is f32[72], this run has f32[8, 1, 3, 3]'],
    [flattened(bytes, 'bank'), 'bank is f32[768], this run has f32[48, 16]'],
    [
      edit(bytes, (f) => Object.assign(tensorOf(f, 'bank'), { shape: [100, 16], data: new Float32Array(1600).fill(0.25) })),
      'bank is f32[100, 16], this run has f32[48, 16]',
    ],
    [edit(bytes, (f) => (tensorOf(f, 'bank').data[37] = Number.NaN)), 'tensor bank holds NaN at index 37'],
    [edit(bytes, (f) => (tensorOf(f, weight).data[0] = Number.POSITIVE_INFINITY)), `tensor ${weight} holds Infinity at index 0`],
    [
      edit(bytes, (f) => Object.assign(tensorOf(f, weight), { dtype: 'i32', data: new Int32Array(tensorOf(f, weight).data.length) })),
      `${weight} is i32`,
    ],
    [edit(bytes, (f) => (f.tensors = f.tensors.filter((t) => t.name !== 'bank'))), 'no tensor bank'],
    [
      edit(bytes, (f) => f.tensors.push({ name: 'optimizer.velocity.99', dtype: 'f32', shape: [1], data: new Float32Array(1) })),
      "holds a tensor optimizer.velocity.99 that this run's trainer does not have",
    ],
    [edit(bytes, (f) => (f.meta.epoch = -1)), 'epoch -1 is not an epoch of this run (an integer in [0, 2])'],
    [edit(bytes, (f) => (f.meta.epoch = 1e9)), 'epoch 1000000000 is not an epoch of this run'],
    [edit(bytes, (f) => (f.meta.epoch = 0.5)), 'epoch 0.5 is not an epoch of this run'],
    [edit(bytes, (f) => (f.meta.epoch = '1')), 'epoch "1" is not an epoch of this run'],
    [
      edit(bytes, (f) => Object.assign(f.meta.partial as object, { step: 3 })),
      "the paused epoch's step 3 is not a step of it (an integer in [0, 2])",
    ],
    [edit(bytes, (f) => Object.assign(f.meta, { epoch: 2 })), "the paused epoch's step 1 is not a step of it (an integer in [0, 0])"],
    [edit(bytes, (f) => Object.assign(f.meta.partial as object, { lossCount: 2 })), "the paused epoch's 2 losses do not fit its 1 steps"],
    [edit(bytes, (f) => Object.assign(f.meta.partial as object, { lossSum: null })), "the paused epoch's loss sum null is not finite"],
    [edit(bytes, (f) => Object.assign(f.meta.partial as object, { seconds: -1 })), "the paused epoch's -1 seconds are not a duration"],
    [
      edit(bytes, (f) => Object.assign(f.meta.generator as object, { seed: 5 })),
      "the augmentations' generator has seed 5, this run's has 1",
    ],
    [edit(bytes, (f) => Object.assign(f.meta.generator as object, { counter: -1 })), "the augmentations' generator is at -1"],
    [edit(bytes, (f) => delete f.meta.generator), "the augmentations' generator has seed (none), this run's has 1"],
    [edit(bytes, (f) => delete f.meta.config), 'holds no training configuration'],
    [
      edit(bytes, (f) => Object.assign(f.meta.config as object, { lambda: 2, extra: true })),
      'was trained with lambda = 2, extra = true; this run has lambda = 20, extra = (none)',
    ],
  ];

  const trainer = new Trainer(config, backend, train, test);
  trainer.calibrate();
  await epochs(trainer, 1);
  for (const [damaged, message] of cases) expect(() => trainer.restore(damaged, 'c.sslgpu')).toThrow(`c.sslgpu: ${message}`);
  expect(trainer.epoch).toBe(1);
  expect(await epochs(trainer, 1)).toEqual(expected);
  expect(await trainer.evaluate()).toEqual(knn);
  trainer.dispose();
});

it('a checkpoint without velocities (saved before the first step) leaves none behind', async () => {
  const fresh = new Trainer(config, backend, train, test);
  fresh.calibrate();
  const bytes = encodeTensorFile(await fresh.snapshot());
  await epochs(fresh, 1);
  expect(fresh.optimizer.velocities.every((v) => v !== null)).toBe(true);
  fresh.restore(bytes, 'start.sslgpu');
  expect(fresh.optimizer.velocities.every((v) => v === null)).toBe(true);
  expect(fresh.epoch).toBe(0);
  fresh.dispose();
});

it("a run's checkpoint is checked against the flags' schema before a trainer is built from it", async () => {
  const trainer = new Trainer(config, backend, train, test);
  const bytes = encodeTensorFile(await trainer.snapshot({ subset: 48, method: 'ours' }));
  trainer.dispose();
  const read = readRunCheckpoint(bytes, 'run.sslgpu');
  expect([read.method, read.subset, read.config]).toEqual(['ours', 48, config]);
  const refusals: [Uint8Array, string][] = [
    [encodeTensorFile({ meta: { kind: 'BasicBlock' }, tensors: [] }), 'holds no training configuration'],
    [encodeTensorFile({ meta: [1], tensors: [] }), 'holds no metadata of a training run'],
    [
      edit(bytes, (f) => Object.assign(f.meta.config as object, { tau: -1 })),
      'its configuration has tau = -1, which a run cannot have (--tau must be a number in [0.001, 100]; got -1)',
    ],
    [edit(bytes, (f) => Object.assign(f.meta.config as object, { cropMin: '0.5' })), 'its configuration has no valid cropMin ("0.5")'],
    [edit(bytes, (f) => Object.assign(f.meta.config as object, { update: 'adam' })), 'its configuration has update = adam'],
    [edit(bytes, (f) => delete (f.meta.config as Record<string, unknown>).cutmix), 'its configuration has no valid cutmix (none)'],
    [edit(bytes, (f) => Object.assign(f.meta.config as object, { dim: 0 })), 'its configuration has dim = 0, outside [1, 65536]'],
    [
      edit(bytes, (f) => Object.assign(f.meta.config as object, { colour: 1 })),
      'its configuration has settings this version does not know: colour',
    ],
    [edit(bytes, (f) => (f.meta.method = 'byol')), 'was trained with an unknown method "byol"'],
    [edit(bytes, (f) => (f.meta.subset = -3)), 'its number of training images is -3'],
    [edit(bytes, (f) => delete f.meta.subset), 'its number of training images is missing'],
  ];
  for (const [damaged, message] of refusals) expect(() => readRunCheckpoint(damaged, 'run.sslgpu')).toThrow(`run.sslgpu: ${message}`);
});
