// A run that diverges after a good epoch (src/cli/session.ts): stopped, it leaves that epoch's
// checkpoint as it was; rolled back, it returns to that epoch at half the learning rate, each
// time logged, at most MAX_ROLLBACKS times, and then stops the same way.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DeviceData, MAX_ROLLBACKS, type OnDiverge, type RunOptions, runTraining, startRun, trainEpochs } from '../src/cli/session.js';
import { toDevice } from '../src/method/data.js';
import { DivergenceError } from '../src/method/guard.js';
import { DEFAULTS, Trainer } from '../src/method/train.js';
import { createWasmBackend } from '../src/node.js';
import type { RunSetting } from '../src/settings.js';
import { bandedSplit } from './helpers/idx.js';

const backend = await createWasmBackend({ threads: 1 });
const train = toDevice(bandedSplit(32, 1), backend),
  test = toDevice(bandedSplit(20, 2), backend);
const setting: RunSetting = {
  method: 'ours',
  config: { ...DEFAULTS, epochs: 3, batch: 8, width: 0.25, hidden: 32, dim: 16 },
  subset: 32,
  evalEvery: 1,
};

const records = (out: string) =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; epoch: number; step: number; lr?: number });

/** One good epoch, then a learning rate that makes the next one diverge: what is on disk after. */
async function divergeAfterEpochOne(onDiverge: OnDiverge) {
  const options: RunOptions = { out: mkdtempSync(join(tmpdir(), 'run-')), resume: false, probe: false, onDiverge };
  const trainer = new Trainer(setting.config, backend, train, test);
  const state = await startRun(setting, trainer, options);
  await trainEpochs(setting, trainer, state, options, 1);
  const checkpoint = join(options.out, 'checkpoint.sslgpu');
  const good = readFileSync(checkpoint);
  trainer.lrScale = 1e20; // what a rollback halves: every retry diverges too
  const error = await trainEpochs(setting, trainer, state, options).catch((e: unknown) => e);
  trainer.dispose();
  expect(error).toBeInstanceOf(DivergenceError);
  expect(readFileSync(checkpoint).equals(good)).toBe(true);
  return { message: (error as Error).message, records: records(options.out), checkpoint };
}

it('stops a run that diverges and keeps the last good checkpoint as it was', async () => {
  const { message, records, checkpoint } = await divergeAfterEpochOne('stop');
  expect(message).toMatch(new RegExp(`^training diverged in epoch 2 at step \\d of 4: .*; ${checkpoint} is left as it was$`));
  expect(records.filter((r) => r.event === 'diverged')).toHaveLength(1);
  expect(records.filter((r) => r.event === 'epoch').map((r) => r.epoch)).toEqual([1]);
}, 60_000);

it(`rolls back to the last good epoch at half the learning rate, at most ${MAX_ROLLBACKS} times`, async () => {
  const { message, records } = await divergeAfterEpochOne('rollback');
  expect(message).toMatch(new RegExp(`^training diverged in epoch 2 at step \\d of 4: .* \\(after ${MAX_ROLLBACKS} rollbacks\\); `));
  const rollbacks = records.filter((r) => r.event === 'rollback');
  expect(rollbacks.map((r) => [r.epoch, r.step, r.lr! / (setting.config.lr * 1e20)])).toEqual([
    [2, 0, 1 / 2],
    [2, 0, 1 / 4],
    [2, 0, 1 / 8],
  ]);
  expect(records.filter((r) => r.event === 'diverged')).toHaveLength(MAX_ROLLBACKS + 1);
}, 60_000);

it("records the run's evaluation in metrics.jsonl: kNN with the epochs, the probe after the last", async () => {
  const out = mkdtempSync(join(tmpdir(), 'run-'));
  const result = await runTraining({ ...setting, evalEvery: 2 }, new DeviceData(backend, () => ({ train, test })), {
    out,
    resume: false,
    probe: true,
  });
  const evaluated = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; epoch: number; knnV?: number; probe?: number })
    .filter((r) => r.knnV !== undefined || r.event === 'probe');
  expect(evaluated.map((r) => [r.event, r.epoch])).toEqual([
    ['epoch', 2],
    ['epoch', 3],
    ['probe', 3],
  ]);
  expect(evaluated.at(-1)!.probe).toBe(result.probe);
  expect(result.probe).toBeGreaterThan(0);
}, 60_000);
