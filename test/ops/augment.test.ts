// The batch augmentation kernel: the same crops and flips as the f64 reference on every
// backend, exact pixels without augmentation, and determinism from the seed.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { type Backend, Generator, ReferenceBackend } from '../../src/index.js';
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

  it.skipIf(!backend)('rotates, shifts and erases like the f64 reference', async () => {
    const options: ops.AugmentOptions = { scale: [0.5, 1], rotate: 30, translate: 0.15, erase: 0.7 };
    expectClose(await augmented(backend!, options), await augmented(reference, options), 1e-4, 2e-4, 'augmented batch');
  });

  it.skipIf(!backend)('without crop and flip: the normalised pixels, exactly placed', async () => {
    const values = await augmented(backend!, { crop: false, flip: false, mean: 0.5, std: 0.25 });
    const expected = Array.from(order).flatMap((image) =>
      Array.from(pixels.subarray(image * H * W, (image + 1) * H * W), (p) => (p / 255 - 0.5) / 0.25),
    );
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

describe('augment options', () => {
  const plain = { crop: false, flip: false, mean: 0, std: 1 / 255 }; // values are the pixels
  const picture = (values: Float32Array, b: number) => values.subarray(b * H * W, (b + 1) * H * W);

  it('a rotation and shift of almost nothing leave the picture as it was', async () => {
    const still = await augmented(reference, { ...plain, rotate: 1e-9, translate: 1e-9 });
    for (const [b, image] of Array.from(order).entries()) {
      expectClose(picture(still, b), Float32Array.from(pixels.subarray(image * H * W, (image + 1) * H * W)), 1e-6, 1e-5, `image ${b}`);
    }
    expect(await augmented(reference, { ...plain, rotate: 20 })).not.toEqual(still);
  });

  it("erases a box of zeros in about the asked share of the images, with torchvision's areas", async () => {
    const many = 400;
    const images = ops.packImages(
      Uint8Array.from({ length: many * H * W }, () => 200),
      many,
      H,
      W,
      reference,
    );
    const index = ops.tensor(
      Int32Array.from({ length: many }, (_, i) => i),
      [many],
      { backend: reference },
    );
    const out = await ops.augment(images, index, H, W, { ...plain, erase: 0.5, generator: new Generator(3) }).data();
    const erasedShares = Array.from({ length: many }, (_, b) => picture(Float32Array.from(out), b).filter((v) => v === 0).length / (H * W));
    const erased = erasedShares.filter((share) => share > 0);
    expect(erased.length / many).toBeGreaterThan(0.4);
    expect(erased.length / many).toBeLessThan(0.6);
    const meanShare = erased.reduce((a, b) => a + b, 0) / erased.length;
    expect(meanShare).toBeGreaterThan(0.1); // (0.02 + 0.33) / 2 ≈ 0.18 of the pixels, less where the box is clipped
    expect(meanShare).toBeLessThan(0.25);
  });

  it('draws two Philox blocks per image for crops and flips, three once it rotates, shifts or erases', async () => {
    const images = ops.packImages(pixels, N, H, W, reference);
    const index = ops.tensor(order, [order.length], { backend: reference });
    for (const [options, blocks] of [
      [{}, 2],
      [{ rotate: 5 }, 3],
      [{ translate: 0.1 }, 3],
      [{ erase: 0.1 }, 3],
    ] as const) {
      const generator = new Generator(1);
      ops.augment(images, index, H, W, { ...options, generator }).dispose();
      expect(generator.counter).toBe(blocks * order.length);
    }
  });

  it('names a wrong range', () => {
    const images = ops.packImages(pixels, N, H, W, reference);
    const index = ops.tensor(order, [order.length], { backend: reference });
    expect(() => ops.augment(images, index, H, W, { scale: [0.8, 0.5] })).toThrow(
      'augment: scale must be 0 < min ≤ max ≤ 1, got [0.8, 0.5]',
    );
    expect(() => ops.augment(images, index, H, W, { rotate: -1 })).toThrow('augment: rotate must be in [0, 180] degrees');
    expect(() => ops.augment(images, index, H, W, { erase: 2 })).toThrow('augment: erase must be a probability');
  });
});
