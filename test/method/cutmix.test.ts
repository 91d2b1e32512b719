// CutMix across the batch: a box of the partner image, and the weight of the own pixels.
import { expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { Generator, ReferenceBackend } from '../../src/index.js';
import { cutMix } from '../../src/method/cutmix.js';

it("pastes one box from each image's partner and weights the targets by area", async () => {
  const backend = new ReferenceBackend();
  const [B, H, W] = [5, 8, 6];
  const images = ops.tensor(
    Float32Array.from({ length: B * H * W }, (_, i) => Math.floor(i / (H * W)) + 1),
    [B, 1, H, W],
    { backend },
  );
  const { images: mixed, partner, weight } = cutMix(images, 0.5, new Generator(3));
  const values = await mixed.data();
  expect([...partner].sort()).toEqual([0, 1, 2, 3, 4]);
  for (let b = 0; b < B; b++) {
    const plane = Array.from(values.subarray(b * H * W, (b + 1) * H * W));
    const own = plane.filter((v) => v === b + 1).length,
      pasted = plane.filter((v) => v === partner[b]! + 1).length;
    if (partner[b] !== b) {
      expect(own + pasted).toBe(H * W);
      expect(own / (H * W)).toBeCloseTo(weight, 10);
    }
  }
  expect(weight).toBeGreaterThan(0);
  expect(weight).toBeLessThanOrEqual(1);
});
