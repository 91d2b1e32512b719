// A fine-tune starts from the pre-trained network's backbone: its weights and BatchNorm
// statistics, not its head, bank or velocities; a checkpoint of another backbone is refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { encodeTensorFile } from '../src/engine/io/tensor-file.js';
import { backboneFrom } from '../src/experiments/pretrained.js';
import { toDevice } from '../src/method/data.js';
import { SupervisedTrainer } from '../src/method/supervised.js';
import { Trainer } from '../src/method/train.js';
import { createWasmBackend } from '../src/node.js';
import { resolveSetting } from '../src/settings.js';
import { bandedSplit } from './helpers/idx.js';

const backend = await createWasmBackend({ threads: 1 });
const train = toDevice(bandedSplit(40, 1), backend),
  test = toDevice(bandedSplit(20, 2), backend);
const flags = { epochs: '1', batch: '20', width: '0.25', hidden: '16', negatives: '0' };
const values = async (named: Map<string, { data(): Promise<ArrayLike<number>> }>) =>
  Promise.all([...named].map(async ([name, t]) => [name, Array.from(await t.data())]));

it('copies the backbone of a checkpoint into a fine-tune, and only the backbone', async () => {
  const pre = new Trainer({ ...resolveSetting({ ...flags, method: 'ours' }).config, seed: 7 }, backend, train, test);
  pre.calibrate();
  await pre.trainEpoch(); // BatchNorm statistics and weights moved away from any initialisation
  const path = join(mkdtempSync(join(tmpdir(), 'pretrained-')), 'checkpoint.sslgpu');
  writeFileSync(path, encodeTensorFile(await pre.snapshot({ subset: train.count, method: 'ours' })));
  const tune = new SupervisedTrainer(resolveSetting({ ...flags, method: 'supervised' }).config, backend, train, test);
  const head = await values(tune.encoder.head.stateDict());
  expect(await values(tune.encoder.backbone.stateDict())).not.toEqual(await values(pre.encoder.backbone.stateDict()));
  backboneFrom(path)(tune);
  expect(await values(tune.encoder.backbone.stateDict())).toEqual(await values(pre.encoder.backbone.stateDict()));
  expect(await values(tune.encoder.head.stateDict())).toEqual(head);

  const wider = new SupervisedTrainer(resolveSetting({ ...flags, width: '0.5', method: 'supervised' }).config, backend, train, test);
  expect(() => backboneFrom(path)(wider)).toThrow(/loadStateDict: .* is f32\[.*\], the module has f32\[.*\]/);
  for (const t of [pre, tune, wider]) t.dispose();
});
