// One full training step of fmnist-resnet (forward, backward, SGD) with a linear classifier,
// its per-kernel breakdown, and the same step on the naive GEMM as the baseline.

import type { Backend } from '../src/engine/backend.js';
import type { KernelTiming } from '../src/engine/backends/webgpu/profiler.js';
import { crossEntropy, FmnistResNet, Generator, nn, noGrad, randn, SGD, scope, tensor } from '../src/index.js';
import type { WebGpuBackend } from '../src/node.js';
import { compare, type Row } from './harness.js';

export interface StepResult {
  rows: Row[];
  profile: KernelTiming[];
  profileMode: string;
}

/** fmnist-resnet with a linear classifier on random images: one SGD step, or an eval forward. */
export function trainingStep(backend: Backend, batch: number): { step: () => void; forward: () => void; dispose: () => void } {
  const generator = new Generator(1);
  const model = new FmnistResNet({ backend, generator });
  const classifier = new nn.Linear(model.features, 10, { backend, generator });
  const optimizer = new SGD([...model.parameters(), ...classifier.parameters()], {
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 5e-4,
    nesterov: true,
  });
  const images = randn([batch, 1, 28, 28], { backend, generator });
  const labels = tensor(
    Int32Array.from({ length: batch }, (_, i) => i % 10),
    [batch],
    { backend },
  );
  return {
    step: () =>
      scope(() => {
        model.train();
        const loss = crossEntropy(classifier.forward(model.forward(images)), labels).mean();
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      }),
    forward: () =>
      noGrad(() =>
        scope(() => {
          model.eval();
          model.forward(images);
        }),
      ),
    dispose: () => {
      optimizer.zeroGrad();
      optimizer.dispose();
      for (const t of [images, labels]) t.dispose();
      model.dispose();
      classifier.dispose();
    },
  };
}

export async function benchStep(backend: WebGpuBackend, batch: number, reps: number): Promise<StepResult> {
  const { step, dispose } = trainingStep(backend, batch);
  const chosen = backend.config.gemm;
  const { candidate, baseline } = await compare(
    backend,
    step,
    () => {
      backend.config.gemm = 'naive';
      step();
      backend.config.gemm = chosen;
    },
    reps,
  );
  const rows: Row[] = [
    {
      step: `fmnist-resnet fwd+bwd+SGD, batch ${batch}`,
      kernel: chosen,
      'images/s': batch / (candidate.median / 1000),
      'naive images/s': batch / (baseline.median / 1000),
      speedup: baseline.median / candidate.median,
      'median ms': candidate.median,
    },
  ];

  // Per-kernel breakdown of one more step
  const profileMode = backend.device.features.has('timestamp-query') ? 'timestamp' : 'submit';
  backend.runtime.setProfiling(profileMode);
  backend.runtime.profiler.reset();
  step();
  await backend.sync();
  const profile = backend.runtime.profiler.report();
  backend.runtime.setProfiling('off');

  dispose();
  return { rows, profile, profileMode };
}
