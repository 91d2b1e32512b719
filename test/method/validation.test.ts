// A trainer refuses a configuration outside the ranges of src/method/config.ts (the command
// line's flags take theirs from there too), naming the field, before it allocates anything;
// prepareData refuses a subset larger than its split instead of cutting it short.
import { expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/engine/backends/reference/backend.js';
import { OptionError } from '../../src/engine/values.js';
import { validateConfig } from '../../src/method/config.js';
import { prepareData, toDevice } from '../../src/method/data.js';
import { SIMCLR_DEFAULTS, SimCLRTrainer } from '../../src/method/simclr.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../../src/method/train.js';

const backend = new ReferenceBackend();
const split = (count: number) => ({
  pixels: new Uint8Array(count * 16),
  labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
  count,
  height: 4,
  width: 4,
});
const train = toDevice(split(20), backend),
  test = toDevice(split(10), backend);

it('new Trainer refuses each bad field with its name, its value and its range, allocating nothing', () => {
  const cases: [Partial<TrainConfig>, string][] = [
    [{ batch: -5 }, 'config.batch must be an integer in [2, 65536]; got -5'],
    [{ batch: 2.5 }, 'config.batch must be an integer in [2, 65536]; got 2.5'],
    [{ epochs: 0 }, 'config.epochs must be an integer in [1, 1000000]; got 0'],
    [{ width: 0 }, 'config.width must be a number in [0.03125, 16]; got 0'],
    [{ m: 2 }, 'config.m must be a number in [0, 1]; got 2'],
    [{ lambda: -1 }, 'config.lambda must be a number in [0, 1000000]; got -1'],
    [{ lr: -1 }, 'config.lr must be a number in [0, 100]; got -1'],
    [{ negatives: -5 }, 'config.negatives must be an integer in [0, 1000000000]; got -5'],
    [{ cutmix: -1 }, 'config.cutmix must be a number in [0, 1000]; got -1'],
    [{ lr: Number.NaN }, 'config.lr must be a number in [0, 100]; got NaN'],
    [{ head: 'mlp3' as TrainConfig['head'] }, 'config.head must be mlp, mlp2, linear; got mlp3'],
    [{ arch: 'vgg11' as TrainConfig['arch'] }, 'config.arch must be fmnist-resnet, resnet18, mobilenetv2; got vgg11'],
  ];
  const live = backend.memory().liveBuffers;
  for (const [change, message] of cases) {
    const config = { ...DEFAULTS, batch: 8, ...change };
    expect(() => new Trainer(config, backend, train, test), message).toThrow(message);
    expect(() => new Trainer(config, backend, train, test)).toThrow(OptionError); // a usage error: exit code 2 in the CLI
  }
  expect(backend.memory().liveBuffers).toBe(live);
  expect(() => new SimCLRTrainer({ ...SIMCLR_DEFAULTS, tau: 0 }, backend, train, test)).toThrow(
    'config.tau must be a number in [0.001, 100]',
  );
});

it('validateConfig names a missing field too', () => {
  const { seed: _, ...noSeed } = DEFAULTS;
  expect(() => validateConfig(noSeed)).toThrow('config.seed must be an integer in [0, 2147483648]; got undefined');
  expect(() => validateConfig(DEFAULTS)).not.toThrow();
});

it('prepareData refuses a subset larger than its split, or negative', () => {
  const options = { seed: 0, subset: 0, testSubset: 0 };
  expect(() => prepareData(split(20), split(10), backend, { ...options, subset: 21 })).toThrow('subset 21: the training set has 20 images');
  expect(() => prepareData(split(20), split(10), backend, { ...options, subset: -1 })).toThrow(
    'subset must be an integer in [0, 20]; got -1',
  );
  expect(() => prepareData(split(20), split(10), backend, { ...options, testSubset: 11 })).toThrow(
    'testSubset 11: the test set has 10 images',
  );
  const { train: all, test: some } = prepareData(split(20), split(10), backend, { ...options, testSubset: 4 });
  expect([all.count, some.count]).toEqual([20, 4]);
  for (const set of [all, some]) set.images.dispose();
});

it('K at least the rows outside the batch samples them all: the same step as K = 0', async () => {
  const small = { ...DEFAULTS, batch: 8, epochs: 1, width: 0.25, hidden: 16, dim: 8, logEvery: 1 };
  const losses = async (negatives: number) => {
    const trainer = new Trainer({ ...small, negatives }, backend, train, test);
    const seen: number[] = [];
    await trainer.trainEpoch((_done, _total, loss) => {
      if (loss !== null) seen.push(loss);
    });
    trainer.dispose();
    return seen;
  };
  const every = await losses(0);
  expect(every.length).toBeGreaterThan(0);
  for (const value of await losses(16)) expect(value).toBeCloseTo(every.shift()!, 5);
});
