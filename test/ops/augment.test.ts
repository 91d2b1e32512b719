// The batch augmentation kernel: the same crops and flips as the f64 reference on every
// backend, exact pixels without augmentation, and determinism from the seed.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { Generator, ReferenceBackend, type Backend } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { expectClose, seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();
const [H, W, N] = [12, 10, 5];
const random = seededRandom(4);
const pixels = Uint8Array.from({ length: N * H * W }, () => Math.floor(random() * 256));
const order = Int32Array.from([3, 0, 4, 4, 1, 2, 0]);

async function augmented(backend: Backend, options: ops.AugmentOptions): Promise<Float32Array> {
  const images = ops.packImages(pixels, N, H, W, backend);
  const index = ops.tensor(order, [order.length], { backend });
  const out = ops.augment(images, index, H, W, { generator: new Generator(11), ...options });
  expect(out.shape).toEqual([order.length, 1, H, W]);
  const values = Float32Array.from(await out.data());
  for (const t of [images, index, out]) t.dispose();
  return values;
}

const reference = new ReferenceBackend({ precision: 'f64' });

describe.each(cases)('augment on $name', ({ backend }) => {
  it.skipIf(!backend)('crops, resizes and flips like the f64 reference', async () => {
    expectClose(await augmented(backend!, {}), await augmented(reference, {}), 1e-4, 2e-4, 'augmented batch');
  });

  it.skipIf(!backend)('without crop and flip: the normalised pixels, exactly placed', async () => {
    const values = await augmented(backend!, { crop: false, flip: false, mean: 0.5, std: 0.25 });
    const expected = Array.from(order).flatMap((image) => Array.from(pixels.subarray(image * H * W, (image + 1) * H * W), (p) => (p / 255 - 0.5) / 0.25));
    expectClose(values, Float32Array.from(expected), 1e-5, 1e-5, 'plain batch');
  });

  it.skipIf(!backend)('is deterministic in the seed, and varies across images and seeds', async () => {
    const first = await augmented(backend!, {});
    expect(await augmented(backend!, {})).toEqual(first);
    const other = await augmented(backend!, { generator: new Generator(12) });
    expect(other).not.toEqual(first);
    // images 2 and 3 of the batch are the same picture, augmented differently
    const plane = H * W;
    expect(first.subarray(2 * plane, 3 * plane)).not.toEqual(first.subarray(3 * plane, 4 * plane));
  });
});

it('names the problem with unpackable or mismatched images', () => {
  expect(() => ops.packImages(new Uint8Array(9), 1, 3, 3, reference)).toThrow('do not pack into 32-bit words');
  expect(() => ops.packImages(new Uint8Array(10), 1, 2, 4, reference)).toThrow('10 pixels for 1 images of 2×4');
});
