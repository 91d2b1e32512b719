// A soak: the method trained for 1,000 steps with the device memory flat after warm-up. After
// each epoch the live buffers and bytes, the pooled ones and the high-water mark must be what
// they were when warm-up ended, so a tensor leaked (or a pool that keeps growing) by any step,
// schedule change or evaluation shows. WebAssembly runs all 1,000 steps in every `npm test`
// (10 s on two busy cores). The software WebGPU adapter (SwiftShader) takes some 130 ms a step
// even at the smallest model, so `npm test` gives it a bounded 120 steps (22 s) and
// `npm run soak` (SSLGPU_SOAK=full) the full 1,000 (2 min 10 s).
import { describe, expect, it } from 'vitest';
import type { Backend, MemoryStats } from '../src/engine/backend.js';
import { toDevice } from '../src/method/data.js';
import { DEFAULTS, Trainer } from '../src/method/train.js';
import { createWasmBackend } from '../src/node.js';
import { type BackendCase, openAdapter, wanted } from './helpers/backends.js';

const FULL = process.env.SSLGPU_SOAK === 'full';

interface Soak {
  name: 'wasm' | 'swiftshader';
  open: () => Promise<BackendCase>;
  /** Training steps, warm-up included. */
  steps: number;
  warmupSteps: number;
  images: number;
  side: number;
  width: number;
  batch: number;
}

const SOAKS: Soak[] = [
  {
    name: 'wasm',
    open: async () => ({ name: 'wasm', backend: await createWasmBackend({ threads: 2 }) }),
    steps: 1000,
    warmupSteps: 40,
    images: 64,
    side: 28,
    width: 0.125,
    batch: 8,
  },
  {
    name: 'swiftshader',
    open: () => openAdapter('swiftshader'),
    steps: FULL ? 1000 : 120,
    warmupSteps: 24,
    images: 32,
    side: 12,
    width: 0.03125,
    batch: 4,
  },
];

/** `count` images of `side`², a fixed pattern (the soak is about memory, not what is learnt). */
function images(count: number, side: number, backend: Backend) {
  const pixels = Uint8Array.from({ length: count * side * side }, (_, i) => (i * 37) % 251);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return toDevice({ pixels, labels, count, height: side, width: side }, backend);
}

describe.each(SOAKS)('soak on $name', (soak) => {
  it.skipIf(!wanted(soak.name))(
    `${soak.steps} steps with the memory flat after warm-up`,
    async () => {
      const { backend, missing } = await soak.open();
      if (!backend) return console.warn(`skipping the soak on ${soak.name}: ${missing}`);
      const train = images(soak.images, soak.side, backend),
        test = images(16, soak.side, backend);
      const stepsPerEpoch = soak.images / soak.batch;
      const config = { ...DEFAULTS, epochs: soak.steps / stepsPerEpoch, batch: soak.batch, width: soak.width, hidden: 32, dim: 16 };
      const trainer = new Trainer(config, backend, train, test);
      trainer.calibrate();
      // kNN at the end of warm-up (its buffers join the pool then) and now and then after, as a run does
      const warmupEpochs = soak.warmupSteps / stepsPerEpoch;
      const evaluateEvery = Math.floor(config.epochs / 4);
      let settled: MemoryStats | undefined;
      const drift: string[] = [];
      while (trainer.epoch < config.epochs) {
        const { loss } = await trainer.trainEpoch();
        expect(loss).toBeGreaterThan(0); // finite and read back
        if (trainer.epoch === warmupEpochs || trainer.epoch % evaluateEvery === 0) await trainer.evaluate();
        const now = backend.memory();
        if (trainer.epoch === warmupEpochs) settled = now;
        else if (settled && JSON.stringify(now) !== JSON.stringify(settled))
          drift.push(`epoch ${trainer.epoch}: ${JSON.stringify(now)} (after warm-up ${JSON.stringify(settled)})`);
      }
      expect(settled).toBeDefined();
      expect(drift.slice(0, 3), `${drift.length} epochs off the memory after warm-up`).toEqual([]);
      trainer.dispose();
      for (const set of [train, test]) set.images.dispose();
      backend.destroy();
    },
    FULL ? 3_600_000 : 300_000,
  );
});
