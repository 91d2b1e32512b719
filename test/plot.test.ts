// The experiments' SVG plots (src/cli/plot.ts): round ticks on the x axis, and each method in
// its own colour in every plot.
import { describe, expect, it } from 'vitest';
import { linePlot, METHOD_COLOURS, niceTicks } from '../src/cli/plot.js';

describe('plots', () => {
  it('ticks an axis at round steps (1, 2 or 5 times a power of ten), two to six of them', () => {
    expect(niceTicks(0, 0.99)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(57.3, 616)).toEqual([100, 200, 300, 400, 500, 600]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.1, 0.4)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(3, 4.7)).toEqual([3, 3.5, 4, 4.5]);
    expect(niceTicks(1000, 60000)).toEqual([10000, 20000, 30000, 40000, 50000, 60000]);
    expect(niceTicks(5, 5)).toEqual([5]);
    for (const [lo, hi] of [
      [0.013, 0.7],
      [2, 9],
      [-40, 333],
      [1e6, 3.3e6],
    ] as const) {
      const ticks = niceTicks(lo, hi);
      expect(ticks.length, `${lo}…${hi}`).toBeGreaterThanOrEqual(2);
      expect(ticks.length, `${lo}…${hi}`).toBeLessThanOrEqual(6);
      expect(ticks.every((t) => t >= lo && t <= hi)).toBe(true);
    }
  });

  it('labels the ticks and draws each method in its colour, other series from the palette', () => {
    const svg = linePlot(
      [
        {
          name: 'ours',
          points: [
            [0, 0.5],
            [300, 0.8],
          ],
        },
        {
          name: 'SimCLR',
          points: [
            [0, 0.4],
            [300, 0.7],
          ],
        },
        {
          name: 'a sweep row',
          points: [
            [0, 0.3],
            [300, 0.6],
          ],
        },
      ],
      { xLabel: 'seconds' },
    );
    expect([...svg.matchAll(/text-anchor="middle">(\d+)</g)].map((m) => Number(m[1]))).toEqual([0, 100, 200, 300]);
    expect(svg).toContain(`fill="${METHOD_COLOURS.ours}">ours<`);
    expect(svg).toContain(`fill="${METHOD_COLOURS.SimCLR}">SimCLR<`);
    expect(svg).not.toMatch(new RegExp(`fill="(${Object.values(METHOD_COLOURS).join('|')})">a sweep row<`));
  });
});
