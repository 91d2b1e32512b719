// The fuzz targets (test/fuzz/targets.ts), a bounded number of cases each under `npm test`,
// with a fixed seed so that a failure here is the same on every machine; `npm run fuzz` runs
// them for 10,000 cases each and more, under a fresh seed.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { TARGETS } from './fuzz/targets.js';

const RUNS = 200;

it.each(TARGETS.map((target) => [target.name, target] as const))('%s: every case refused cleanly or accepted consistently', (_, target) => {
  const outcomes = { refused: 0, accepted: 0 };
  fc.assert(
    fc.property(target.cases, (input) => {
      outcomes[target.run(input)]++;
    }),
    { numRuns: RUNS, seed: 20261201 },
  );
  expect(outcomes.refused + outcomes.accepted).toBe(RUNS);
});
