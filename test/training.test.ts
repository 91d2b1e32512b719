// End to end: a small conv net learns a synthetic 4-class problem on every backend,
// deterministically, without leaking buffers.
import { describe, expect, it } from 'vitest';
import { testBackends } from './helpers/backends.js';
import { trainSynthetic } from './helpers/synthetic.js';

const cases = await testBackends();

describe.each(cases)('training on $name', ({ backend }) => {
  it.skipIf(!backend)(
    'reaches 95 % training accuracy, repeats its loss curve, and leaks nothing',
    async () => {
      const first = await trainSynthetic(backend!, { steps: 200, seed: 5, watchSteps: [10, 200] });
      const losses = `loss ${first.losses[0]!.toFixed(3)} → ${first.losses.at(-1)!.toFixed(3)}`;
      console.log(`${backend!.name}: ${losses}, accuracy ${(first.accuracy * 100).toFixed(1)} %`);
      expect(first.accuracy).toBeGreaterThanOrEqual(0.95);
      expect(first.losses.at(-1)!).toBeLessThan(first.losses[0]! / 4);
      expect(first.liveBuffers.get(200)).toBe(first.liveBuffers.get(10));

      const second = await trainSynthetic(backend!, { steps: 200, seed: 5 });
      expect(second.losses).toEqual(first.losses);
      expect(backend!.memory().liveBuffers).toBe(0);
    },
    600_000,
  ); // SwiftShader runs these 400 steps on one core
});

describe('backends agree', () => {
  // SwiftShader's exp/log/sin are less exact, so its seeded normals (the initial weights)
  // differ by about 1e-6 and SGD amplifies that over the steps; the others stay within 1e-5.
  const tolerances: Record<string, { steps: number; relative: number }> = {
    'webgpu-swiftshader': { steps: 5, relative: 1e-3 },
  };

  it('the same seeded training steps give the same losses on every backend', async () => {
    const runs = [];
    for (const { name, backend } of cases.filter((c) => c.backend)) {
      runs.push({ name, losses: (await trainSynthetic(backend!, { steps: 20, seed: 9 })).losses });
    }
    const [reference, ...others] = runs;
    for (const { name, losses } of others) {
      const { steps, relative } = tolerances[name] ?? { steps: 20, relative: 1e-4 };
      losses.slice(0, steps).forEach((loss, step) => {
        const expected = reference!.losses[step]!;
        expect(Math.abs(loss - expected), `${name} at step ${step + 1}: ${loss} vs ${expected}`).toBeLessThanOrEqual(
          relative * Math.abs(expected),
        );
      });
    }
  });
});
