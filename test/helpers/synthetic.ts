// A synthetic 4-class image problem (bars and diagonals in noise) and a tiny conv net
// trainer for it, shared by the training and backend-choice tests.

import type { Backend } from '../../src/engine/backend.js';
import * as ops from '../../src/index.js';
import { Generator, nn, noGrad, SGD, scope } from '../../src/index.js';
import { seededRandom } from './oracle.js';

const SIZE = 8;

/** `count` noisy S×S images: 0 horizontal bar, 1 vertical bar, 2 diagonal, 3 anti-diagonal. */
function syntheticImages(count: number, seed: number): { images: Float32Array; labels: Int32Array } {
  const random = seededRandom(seed);
  const images = new Float32Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % 4;
    const at = Math.floor(random() * SIZE);
    labels[n] = label;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const on = label === 0 ? y === at : label === 1 ? x === at : label === 2 ? x === y : x + y === SIZE - 1;
        images[(n * SIZE + y) * SIZE + x] = (on ? 1 : 0) + 0.3 * (random() * 2 - 1);
      }
    }
  }
  return { images, labels };
}

/** conv-BN-ReLU ×2, max pool, linear. */
function smallConvNet(backend: Backend, seed: number): nn.Sequential {
  const init = { backend, generator: new Generator(seed) };
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1, ...init }),
    new nn.BatchNorm2d(8, { backend }),
    new nn.ReLU(),
    new nn.Conv2d(8, 8, 3, { padding: 1, ...init }),
    new nn.BatchNorm2d(8, { backend }),
    new nn.ReLU(),
    new nn.MaxPool2d({ kernel: 2 }),
    new nn.Flatten(),
    new nn.Linear(8 * (SIZE / 2) ** 2, 4, init),
  );
}

export interface TrainResult {
  losses: number[];
  accuracy: number;
  /** Live buffers after each step listed in `watchSteps`. */
  liveBuffers: Map<number, number>;
}

/** Trains the small net with SGD; reads back one loss per step (the scalar we chose to log). */
export async function trainSynthetic(
  backend: Backend,
  options: { steps: number; seed: number; batch?: number; watchSteps?: number[] },
): Promise<TrainResult> {
  const batch = options.batch ?? 32;
  const count = 256;
  const data = syntheticImages(count, options.seed);
  const images = ops.tensor(data.images, [count, SIZE * SIZE], { backend });
  const labels = ops.tensor(data.labels, [count], { backend });
  const model = smallConvNet(backend, options.seed);
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const order = seededRandom(options.seed + 1);
  const losses: number[] = [];
  const liveBuffers = new Map<number, number>();
  for (let step = 1; step <= options.steps; step++) {
    const index = Int32Array.from({ length: batch }, () => Math.floor(order() * count));
    const loss = scope(() => {
      const picked = ops.tensor(index, [batch], { backend });
      const x = images.gather(picked).reshape([batch, 1, SIZE, SIZE]);
      const l = ops.crossEntropy(model.forward(x), labels.gather(picked)).mean();
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
    if (options.watchSteps?.includes(step)) liveBuffers.set(step, backend.memory().liveBuffers);
  }
  model.eval();
  const predictions = noGrad(() => scope(() => ops.argmax(model.forward(images.reshape([count, 1, SIZE, SIZE])), 1)));
  const predicted = await predictions.data();
  const accuracy = Array.from(predicted).filter((p, i) => p === data.labels[i]).length / count;
  predictions.dispose();
  optimizer.zeroGrad();
  optimizer.dispose();
  model.dispose();
  images.dispose();
  labels.dispose();
  return { losses, accuracy, liveBuffers };
}
