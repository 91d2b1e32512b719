// The batch augmentation kernel: the same crops, flips and colour distortion as the f64
// reference on every backend, exact pixels without augmentation, and determinism from the seed.
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

// colour images: three planes each, some pixels gray (equal channels) and some saturated
const colourPixels = Uint8Array.from({ length: N * 3 * H * W }, (_, i) => {
  const pixel = i % (H * W);
  return pixel % 7 === 0 ? pixels[(Math.floor(i / (3 * H * W)) * H * W + pixel) % pixels.length]! : Math.floor(random() * 256);
});
const COLOUR_NORM = { mean: [0.5, 0.4, 0.3], std: [0.25, 0.3, 0.2] };

async function colourAugmented(backend: Backend, options: ops.AugmentOptions): Promise<Float32Array> {
  const images = ops.packImages(colourPixels, N, H, W, backend, 3);
  const index = ops.tensor(order, [order.length], { backend });
  const out = ops.augment(images, index, H, W, { generator: new Generator(11), channels: 3, ...COLOUR_NORM, ...options });
  expect(out.shape).toEqual([order.length, 3, H, W]);
  const values = Float32Array.from(await out.data());
  for (const t of [images, index, out]) t.dispose();
  return values;
}

/** SimCLR's colour distortion at strength 0.5, and stronger, with every kind of geometry. */
const COLOUR_CASES: [string, ops.AugmentOptions][] = [
  ['jitter and grayscale (SimCLR, s = 0.5)', { jitter: 0.5, grayscale: 0.2 }],
  ['strong jitter, always', { jitter: 1.5, jitterProbability: 1, scale: [0.3, 1] }],
  ['jitter with rotation, shift and erasing', { jitter: 1, grayscale: 0.3, rotate: 20, translate: 0.1, erase: 0.5 }],
];

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

  it.skipIf(!backend)('three channels without colour: the normalised planes, exactly placed, and crops like the reference', async () => {
    const values = await colourAugmented(backend!, { crop: false, flip: false });
    const expected = Array.from(order).flatMap((image) =>
      Array.from(colourPixels.subarray(image * 3 * H * W, (image + 1) * 3 * H * W), (p, i) => {
        const c = Math.floor(i / (H * W));
        return (p / 255 - COLOUR_NORM.mean[c]!) / COLOUR_NORM.std[c]!;
      }),
    );
    expectClose(values, Float32Array.from(expected), 1e-5, 1e-5, 'plain colour batch');
    expectClose(await colourAugmented(backend!, {}), await colourAugmented(reference, {}), 1e-4, 2e-4, 'cropped colour batch');
  });

  it.skipIf(!backend).each(COLOUR_CASES)('colour distortion like the f64 reference: %s', async (_, options) => {
    expectClose(await colourAugmented(backend!, options), await colourAugmented(reference, options), 1e-4, 3e-4, 'distorted batch');
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
  /** `many` images of `channels` planes with pixel i = value(i) on the reference, and the index of each once. */
  const manyImages = (many: number, channels: number, value: (i: number) => number) => ({
    images: ops.packImages(
      Uint8Array.from({ length: many * channels * H * W }, (_, i) => value(i)),
      many,
      H,
      W,
      reference,
      channels,
    ),
    index: ops.tensor(
      Int32Array.from({ length: many }, (_, i) => i),
      [many],
      { backend: reference },
    ),
  });

  it('a rotation and shift of almost nothing leave the picture as it was', async () => {
    const still = await augmented(reference, { ...plain, rotate: 1e-9, translate: 1e-9 });
    for (const [b, image] of Array.from(order).entries()) {
      expectClose(picture(still, b), Float32Array.from(pixels.subarray(image * H * W, (image + 1) * H * W)), 1e-6, 1e-5, `image ${b}`);
    }
    expect(await augmented(reference, { ...plain, rotate: 20 })).not.toEqual(still);
  });

  it("erases a box of zeros in about the asked share of the images, with torchvision's areas", async () => {
    const many = 400;
    const { images, index } = manyImages(many, 1, () => 200);
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

  it('draws two more Philox blocks per image for the colour distortion', async () => {
    const images = ops.packImages(colourPixels, N, H, W, reference, 3);
    const index = ops.tensor(order, [order.length], { backend: reference });
    for (const [options, blocks] of [
      [{}, 2],
      [{ jitter: 0.5 }, 4],
      [{ grayscale: 0.2 }, 4],
      [{ jitter: 0.5, erase: 0.1 }, 5],
    ] as const) {
      const generator = new Generator(1);
      ops.augment(images, index, H, W, { channels: 3, ...options, generator }).dispose();
      expect(generator.counter).toBe(blocks * order.length);
    }
  });

  it('grayscale makes the channels equal, in 0.2989 r + 0.587 g + 0.114 b', async () => {
    const images = ops.packImages(colourPixels, N, H, W, reference, 3);
    const index = ops.tensor(order, [order.length], { backend: reference });
    const out = await ops.augment(images, index, H, W, { ...plain, channels: 3, grayscale: 1 }).data();
    for (const [b, image] of Array.from(order).entries()) {
      const source = (c: number, k: number) => colourPixels[(image * 3 + c) * H * W + k]!;
      for (let k = 0; k < H * W; k += 13) {
        const gray = 0.2989 * source(0, k) + 0.587 * source(1, k) + 0.114 * source(2, k);
        for (let c = 0; c < 3; c++) expect(out[(b * 3 + c) * H * W + k]).toBeCloseTo(gray, 3);
      }
    }
  });

  it('jitter changes the colours of about its share of the images, and keeps every value in [0, 1]', async () => {
    const many = 200;
    const { images, index } = manyImages(many, 3, (i) => (i * 37) % 256);
    const options = { ...plain, channels: 3, generator: new Generator(5) };
    const still = Float32Array.from(await ops.augment(images, index, H, W, options).data());
    const jittered = Float32Array.from(
      await ops.augment(images, index, H, W, { ...options, jitter: 0.5, generator: new Generator(5) }).data(),
    );
    const plane = 3 * H * W;
    const changed = Array.from({ length: many }, (_, b) =>
      jittered.subarray(b * plane, (b + 1) * plane).some((v, k) => Math.abs(v - still[b * plane + k]!) > 1e-3),
    );
    const share = changed.filter(Boolean).length / many;
    expect(share).toBeGreaterThan(0.7); // 0.8 jittered
    expect(share).toBeLessThan(0.9);
    expect(jittered.every((v) => v >= -1e-4 && v <= 255 + 1e-3)).toBe(true);
  });

  it('refuses colour on other than three channels, and channel counts that do not fit the images', () => {
    const images = ops.packImages(pixels, N, H, W, reference);
    const index = ops.tensor(order, [order.length], { backend: reference });
    expect(() => ops.augment(images, index, H, W, { jitter: 0.5 })).toThrow('augment: colour jitter and grayscale need 3 channels, got 1');
    expect(() => ops.augment(images, index, H, W, { channels: 3 })).toThrow('are not packed 3×12×10 images');
    expect(() => ops.augment(images, index, H, W, { mean: [0.5, 0.5] })).toThrow('augment: mean has 2 values for 1 channels');
  });

  it('names a wrong range', () => {
    const images = ops.packImages(pixels, N, H, W, reference);
    const index = ops.tensor(order, [order.length], { backend: reference });
    expect(() => ops.augment(images, index, H, W, { scale: [0.8, 0.5] })).toThrow(
      'augment: scale must be 0 < min ≤ max ≤ 1, got [0.8, 0.5]',
    );
    expect(() => ops.augment(images, index, H, W, { rotate: -1 })).toThrow('augment: rotate must be in [0, 180] degrees');
    expect(() => ops.augment(images, index, H, W, { erase: 2 })).toThrow('augment: erase must be a probability');
    expect(() => ops.augment(images, index, H, W, { jitter: 3 })).toThrow('augment: jitter must be a strength in [0, 2.5]');
    expect(() => ops.augment(images, index, H, W, { grayscale: -1 })).toThrow('augment: grayscale must be a probability');
  });
});
