// backend.memory().peakBytes: the high-water mark of live bytes since resetPeak(), on every
// backend (the overhead experiment and the train bench report it as peak device memory).
import { describe, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import { testBackends } from './helpers/backends.js';

const cases = await testBackends();

describe.each(cases)('peak memory on $name', ({ backend }) => {
  it.skipIf(!backend)('holds the most bytes live at once since resetPeak, and a reset starts from what is live', async () => {
    const b = backend!;
    await b.sync();
    b.resetPeak();
    const start = b.memory();
    expect(start.peakBytes).toBeGreaterThanOrEqual(start.liveBytes);
    const big = ops.zeros([100_000], { backend: b });
    const small = ops.zeros([1_000], { backend: b });
    await b.sync();
    const high = b.memory().peakBytes;
    expect(high - start.peakBytes).toBeGreaterThanOrEqual(4 * 101_000);
    big.dispose();
    expect(b.memory().peakBytes).toBe(high); // freeing does not lower the mark
    b.resetPeak();
    expect(b.memory().peakBytes).toBeLessThan(high - 4 * 90_000);
    small.dispose();
  });
});
