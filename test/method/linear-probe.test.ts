// The linear probe: it separates what is linearly separable, whatever the features' scale,
// and finds nothing where the labels carry no signal.
import { expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { linearProbe } from '../../src/method/linear-probe.js';
import { createWasmBackend } from '../../src/node.js';
import { seededRandom } from '../helpers/oracle.js';

const backend = await createWasmBackend({ threads: 1 });
const random = seededRandom(5);
const [dim, classes] = [16, 4];
const centres = Array.from({ length: classes * dim }, () => random() - 0.5);

/** Blobs around class centres (spread 0.3), all shrunk by `scale`, as small as L2-normalised features. */
function blobs(count: number, scale: number): { features: ReturnType<typeof ops.tensor>; labels: Uint8Array } {
  const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
  const values = Float32Array.from(
    { length: count * dim },
    (_, k) => scale * (centres[labels[Math.floor(k / dim)]! * dim + (k % dim)]! + 0.3 * (random() - 0.5)),
  );
  return { features: ops.tensor(values, [count, dim], { backend }), labels };
}

it.each([1, 1e-3])('separates blobs at scale %s', async (scale) => {
  const train = blobs(400, scale),
    test = blobs(200, scale);
  expect(await linearProbe(train.features, train.labels, test.features, test.labels, { classes, epochs: 20 })).toBeGreaterThan(0.97);
});

it('stays near chance on labels that carry no signal', async () => {
  const train = blobs(400, 1),
    test = blobs(400, 1);
  const shuffled = Uint8Array.from(train.labels, () => Math.floor(random() * classes));
  const testShuffled = Uint8Array.from(test.labels, () => Math.floor(random() * classes));
  expect(await linearProbe(train.features, shuffled, test.features, testShuffled, { classes, epochs: 20 })).toBeLessThan(0.4);
});
