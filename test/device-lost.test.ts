// A lost WebGPU device, on SwiftShader: the engine reports it as a DeviceLostError and opens a
// fresh backend in its place (reopenBackend); a run whose device is destroyed during a step
// of epoch 2 (src/cli/session.ts, runTraining) continues on a new device from epoch 1's
// checkpoint, says so on the console and in metrics.jsonl, and ends exactly where a run that
// kept its device ends (SwiftShader is deterministic run to run).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { DeviceData, MAX_DEVICE_LOSSES, runTraining } from '../src/cli/session.js';
import type { Backend } from '../src/engine/backend.js';
import { readFileBytes } from '../src/engine/io/node-files.js';
import { decodeTensorFile } from '../src/engine/io/tensor-file.js';
import { toDevice } from '../src/method/data.js';
import { DEFAULTS } from '../src/method/train.js';
import { DeviceLostError, getBackend, KernelError, reopenBackend, setBackend, tensor, type WebGpuBackend } from '../src/node.js';
import type { RunSetting } from '../src/settings.js';
import { openAdapter, wanted } from './helpers/backends.js';
import { bandedSplit } from './helpers/idx.js';

const opened = wanted('swiftshader') ? await openAdapter('swiftshader') : { backend: null, missing: 'not asked for' };
if (!opened.backend) console.warn(`skipping the device-loss tests: ${opened.missing}`);
const swiftshader = opened.backend as WebGpuBackend | null;

afterEach(() => vi.restoreAllMocks());
afterAll(() => swiftshader?.destroy());

it.skipIf(!swiftshader)('a lost device throws DeviceLostError, and reopenBackend opens a fresh one in its place', async () => {
  const backend = await swiftshader!.reopen();
  setBackend(backend);
  const x = tensor([1, 2, 3]);
  backend.device.destroy();
  const error = await x
    .add(x)
    .data()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeviceLostError);
  expect(error).toBeInstanceOf(KernelError);
  expect((error as DeviceLostError).reason).toMatch(/^destroyed: /);
  const fresh = await reopenBackend(backend);
  expect(getBackend()).toBe(fresh);
  expect(Array.from(await tensor([1, 2, 3]).mul(2).data())).toEqual([2, 4, 6]);
  backend.destroy();
  fresh.destroy();
});

// 16 images in batches of 8: two steps an epoch, kNN after the last
const setting: RunSetting = {
  method: 'ours',
  config: { ...DEFAULTS, epochs: 2, batch: 8, width: 0.25, hidden: 32, dim: 16, logEvery: 1 },
  subset: 16,
  evalEvery: 2,
};
const images = (backend: Backend) => ({ train: toDevice(bandedSplit(16, 1), backend), test: toDevice(bandedSplit(20, 2), backend) });

interface MetricsRecord {
  event: string;
  epoch: number;
  step: number;
  loss?: number;
  message?: string;
  recovery?: number;
}
const records = (out: string): MetricsRecord[] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);

/** A whole run on SwiftShader; `loseDevice` destroys the device when epoch 2's second step reads its loss back. */
async function run(loseDevice: boolean) {
  const out = mkdtempSync(join(tmpdir(), 'device-lost-'));
  const backend = (await swiftshader!.reopen()) as WebGpuBackend;
  if (loseDevice) {
    const read = backend.read.bind(backend);
    backend.read = (storage) => {
      const stepped =
        existsSync(join(out, 'metrics.jsonl')) && records(out).some((r) => r.event === 'step' && r.epoch === 2 && r.step === 1);
      if (stepped && !backend.runtime.lost) backend.device.destroy();
      return read(storage);
    };
  }
  const data = new DeviceData(backend, images);
  const result = await runTraining(setting, data, { out, resume: false, probe: false });
  data.backend.destroy();
  const checkpoint = decodeTensorFile(readFileBytes(join(out, 'checkpoint.sslgpu')));
  return { result, records: records(out), checkpoint, lost: backend.runtime.lost, reopened: data.backend !== backend };
}

it.skipIf(!swiftshader)(
  'a run whose device is lost in epoch 2 continues on a new device from epoch 1, as if nothing happened',
  async () => {
    const kept = await run(false);
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const lost = await run(true);
    vi.restoreAllMocks();
    expect([lost.lost, lost.reopened]).toEqual([true, true]);

    const notices = lost.records.filter((r) => r.event === 'device-lost');
    expect(notices).toMatchObject([{ epoch: 2, step: 0, recovery: 1 }]);
    expect(notices[0]!.message).toMatch(/^WebGPU device lost \(destroyed: [^)]*\) .*, in epoch 2 after step 1 of 2$/);
    const notice = lines.filter((line) => line.includes('device lost'));
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatch(new RegExp(`; recovery 1 of ${MAX_DEVICE_LOSSES}: a new device \\(.+\\), back to after epoch 1$`));

    // epoch 2's steps after the notice, the epochs, the kNN and every tensor of the final checkpoint: the kept run's
    const epoch2 = (rs: MetricsRecord[]) =>
      rs.slice(rs.findIndex((r) => r.event === 'device-lost') + 1).filter((r) => r.event === 'step' && r.epoch === 2);
    expect(epoch2(lost.records).map((r) => r.loss)).toEqual(epoch2(kept.records).map((r) => r.loss));
    expect(lost.result.epochs.map((e) => [e.epoch, e.loss])).toEqual(kept.result.epochs.map((e) => [e.epoch, e.loss]));
    expect(Number.isFinite(lost.result.knnV)).toBe(true);
    expect([lost.result.knnV, lost.result.knnH]).toEqual([kept.result.knnV, kept.result.knnH]);
    expect(lost.checkpoint.tensors).toEqual(kept.checkpoint.tensors);
  },
  600_000,
);
