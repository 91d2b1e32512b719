// The colour distortion of the augment kernel (src/method/kernels.ts) is torchvision's: the f64
// reference, given its drawn factors and order, equals torchvision.transforms.functional's
// adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue and rgb_to_grayscale on
// the same pixels (the other backends are held to the reference in test/ops/augment.test.ts).
// Skipped, with the reason, where python3 cannot import torchvision.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tensor } from '../src/engine/ops/creation.js';
import { philoxBlock, wordToUniform } from '../src/engine/random.js';
import { Generator, ReferenceBackend } from '../src/index.js';
import { augment, packImages } from '../src/method/ops/augment.js';
import { seededRandom } from './helpers/oracle.js';
import { missingPython, runPython } from './helpers/python.js';

const missing = missingPython(['torch', 'torchvision'], 'python3-torchvision', 'the torchvision check');

it.skipIf(missing !== null)("jitters and grays colours as torchvision's functional transforms do, to 1e-12", async () => {
  const [n, h, w, strength] = [40, 6, 8, 1.2];
  const random = seededRandom(5);
  const pixels = Uint8Array.from({ length: n * 3 * h * w }, () => Math.floor(random() * 256));
  const backend = new ReferenceBackend({ precision: 'f64' });
  const index = tensor(
    Int32Array.from({ length: n }, (_, i) => i),
    [n],
    { backend },
  );
  const generator = new Generator(7);
  const start = generator.counter;
  const options = { crop: false, flip: false, channels: 3, mean: 0, std: 1, generator };
  const colour = { jitter: strength, jitterProbability: 0.9, grayscale: 0.3 };
  const values = await augment(packImages(pixels, n, h, w, backend, 3), index, h, w, { ...options, ...colour }).data();
  // each image's draws as AugmentParams documents them: blocks 2 and 3 of its 4
  const draws = Array.from({ length: n }, (_, b) => {
    const [c0, c1, c2, c3] = philoxBlock(generator.key, start, 4 * b + 2).map(wordToUniform) as number[];
    const [d0, d1, d2] = philoxBlock(generator.key, start, 4 * b + 3).map(wordToUniform) as number[];
    const factor = (s: number, u: number) => Math.max(0, 1 - s) + (1 + s - Math.max(0, 1 - s)) * u;
    const left = [0, 1, 2, 3];
    const order: number[] = [];
    for (let k = Math.floor(24 * d1!), m = 4; m > 0; k = Math.floor(k / m), m--) order.push(left.splice(k % m, 1)[0]!);
    const s = 0.8 * strength;
    const factors = [factor(s, c1!), factor(s, c2!), factor(s, c3!), 0.2 * strength * (2 * d0! - 1)];
    return { order: c0! < colour.jitterProbability ? order : [], factors, gray: d2! < colour.grayscale };
  });
  const dir = mkdtempSync(join(tmpdir(), 'colour-'));
  writeFileSync(
    join(dir, 'case.json'),
    JSON.stringify({ shape: [n, 3, h, w], pixels: Array.from(pixels), values: Array.from(values), draws }),
  );
  const script = `
import json, torch
import torchvision.transforms.functional as TF
case = json.load(open('case.json'))
pictures = torch.tensor(case['pixels'], dtype=torch.float64).reshape(case['shape']) / 255
ours = torch.tensor(case['values'], dtype=torch.float64).reshape(case['shape'])
adjust = [TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue]
worst, kinds = 0.0, set()
for b, draw in enumerate(case['draws']):
    x = pictures[b]
    for op in draw['order']:
        x = adjust[op](x, draw['factors'][op])
    if draw['gray']:
        x = TF.rgb_to_grayscale(x, 3)
    worst = max(worst, (x - ours[b]).abs().max().item())
    kinds.add((len(draw['order']) > 0, draw['gray']))
print(json.dumps({'worst': worst, 'kinds': len(kinds)}))`;
  const result = JSON.parse(runPython(script, dir));
  expect(result.kinds).toBe(4); // jittered or not, gray or not: every case drawn
  expect(result.worst).toBeLessThan(1e-12);
});
