// End to end: a small conv net learns a synthetic 4-class problem on every backend,
// deterministically, without leaking buffers.
import { describe, expect, it } from 'vitest';
import { testBackends } from './helpers/backends.js';
import { trainSynthetic } from './helpers/synthetic.js';

const cases = await testBackends();

describe.each(cases)('training on $name', ({ backend }) => {
  it.skipIf(!backend)('reaches 95 % training accuracy, repeats its loss curve, and leaks nothing', async () => {
    const first = await trainSynthetic(backend!, { steps: 200, seed: 5, watchSteps: [10, 200] });
    console.log(`${backend!.name}: loss ${first.losses[0]!.toFixed(3)} → ${first.losses.at(-1)!.toFixed(3)}, accuracy ${(first.accuracy * 100).toFixed(1)} %`);
    expect(first.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(first.losses.at(-1)!).toBeLessThan(first.losses[0]! / 4);
    expect(first.liveBuffers.get(200)).toBe(first.liveBuffers.get(10));

    const second = await trainSynthetic(backend!, { steps: 200, seed: 5 });
    expect(second.losses).toEqual(first.losses);
    expect(backend!.memory().liveBuffers).toBe(0);
  });
});
