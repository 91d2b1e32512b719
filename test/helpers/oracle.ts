// The test oracle: runs an op on a backend and on the f64 reference backend with the same
// seeded inputs, compares outputs and gradients, and checks the reference's gradients
// against central finite differences.

import { expect } from 'vitest';
import type { Backend } from '../../src/engine/backend.js';
import { ReferenceBackend } from '../../src/engine/backends/reference/backend.js';
import { noGrad, scope, type Tensor, tensor } from '../../src/index.js';

/** mulberry32: a tiny seeded generator for host-side test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface InputSpec {
  shape: number[];
  dtype?: 'f32' | 'i32';
  /** Explicit values; otherwise uniform in [low, high). */
  values?: number[];
  low?: number;
  high?: number;
  /** Keep values at least this far from zero (for ops with a kink or a pole there). */
  awayFromZero?: number;
  /** Make every value distinct by at least this much (for max-like ops). */
  distinct?: number;
  /** Differentiate with respect to this input (default: true for f32). */
  grad?: boolean;
}

export interface OpCheck {
  inputs: InputSpec[];
  fn: (...inputs: Tensor[]) => Tensor;
  seed?: number;
  /** Check reference gradients against finite differences (default true). */
  finiteDifferences?: boolean;
  /** Compare gradients at all (default true). */
  gradients?: boolean;
  rtol?: number;
  atol?: number;
}

export function makeValues(spec: InputSpec, random: () => number): number[] {
  const size = spec.shape.reduce((p, d) => p * d, 1);
  if (spec.values) return spec.values;
  const low = spec.low ?? -1,
    high = spec.high ?? 1;
  if (spec.distinct) {
    // a shuffled ladder: distinct by construction
    const ladder = Array.from({ length: size }, (_, i) => low + i * spec.distinct!);
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ladder[i], ladder[j]] = [ladder[j]!, ladder[i]!];
    }
    return ladder;
  }
  return Array.from({ length: size }, () => {
    let v = low + (high - low) * random();
    if (spec.dtype === 'i32') v = Math.floor(v);
    else if (spec.awayFromZero && Math.abs(v) < spec.awayFromZero) v = v < 0 ? v - spec.awayFromZero : v + spec.awayFromZero;
    return v;
  });
}

/** |a - b| ≤ atol or |a - b| ≤ rtol·|b|, elementwise, with a message naming the first miss. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      b = expected[i]!;
    const error = Math.abs(a - b);
    if (!(error <= atol || error <= rtol * Math.abs(b))) {
      expect.fail(`${what}[${i}]: got ${a}, expected ${b} (error ${error.toExponential(2)}, rtol ${rtol}, atol ${atol})`);
    }
  }
}

interface Evaluation {
  output: number[];
  grads: (number[] | null)[];
}

function f32(values: number[]): number[] {
  return Array.from(Float32Array.from(values));
}

/** Output, and gradients of Σ output·weights, for the given inputs on a backend. */
async function evaluate(backend: Backend, check: OpCheck, values: number[][], weights: number[] | null): Promise<Evaluation> {
  const wantGrads = check.gradients !== false;
  const { output, leaves } = scope(() => {
    const leaves = check.inputs.map((spec, i) => {
      const t = tensor(Float64Array.from(values[i]!), spec.shape, { dtype: spec.dtype ?? 'f32', backend });
      const differentiable = wantGrads && (spec.dtype ?? 'f32') === 'f32' && spec.grad !== false;
      return differentiable ? t.requireGrad() : t;
    });
    const output = check.fn(...leaves);
    if (weights && output.requiresGrad) {
      const loss = output.mul(tensor(Float64Array.from(weights), output.shape, { backend })).sum();
      loss.backward();
    }
    return { output, leaves };
  });
  const result: Evaluation = { output: Array.from(await output.data()), grads: [] };
  for (const leaf of leaves) {
    result.grads.push(leaf.grad ? Array.from(await leaf.grad.data()) : null);
    leaf.grad?.dispose();
    leaf.dispose();
  }
  output.dispose();
  return result;
}

function lossOf(backend: Backend, check: OpCheck, values: number[][], weights: number[]): Promise<number> {
  return noGrad(async () => {
    const out = scope(() => {
      const inputs = check.inputs.map((spec, i) =>
        tensor(Float64Array.from(values[i]!), spec.shape, { dtype: spec.dtype ?? 'f32', backend }),
      );
      const output = check.fn(...inputs);
      return output.mul(tensor(Float64Array.from(weights), output.shape, { backend })).sum();
    });
    const value = await out.item();
    out.dispose();
    return value;
  });
}

const reference64 = new ReferenceBackend({ precision: 'f64' });

/**
 * Checks one op on `backend` against the f64 reference: forward values, gradients, and
 * (on the reference) central finite differences at up to 12 positions per input.
 */
export async function checkOp(backend: Backend, check: OpCheck): Promise<void> {
  const random = seededRandom(check.seed ?? 1);
  const values = check.inputs.map((spec) => f32(makeValues(spec, random)));
  const probe = await evaluate(reference64, { ...check, gradients: false }, values, null);
  const weights = f32(probe.output.map(() => random() * 2 - 1));
  const expected = await evaluate(reference64, check, values, weights);

  if (check.gradients !== false && check.finiteDifferences !== false) {
    const h = 1e-4;
    for (const [i, spec] of check.inputs.entries()) {
      const analytic = expected.grads[i];
      if (!analytic) continue;
      const positions = [...new Set(Array.from({ length: Math.min(12, analytic.length) }, () => Math.floor(random() * analytic.length)))];
      for (const position of positions) {
        const shifted = (delta: number) => values.map((v, j) => (j === i ? v.map((x, k) => (k === position ? x + delta : x)) : v));
        const numeric =
          ((await lossOf(reference64, check, shifted(h), weights)) - (await lossOf(reference64, check, shifted(-h), weights))) / (2 * h);
        expectClose(
          [analytic[position]!],
          [numeric],
          1e-4,
          1e-5,
          `finite difference of input ${i} ${JSON.stringify(spec.shape)} at ${position}`,
        );
      }
    }
  }

  const actual = await evaluate(backend, check, values, weights);
  const rtol = check.rtol ?? 1e-4,
    atol = check.atol ?? 1e-5;
  expectClose(actual.output, expected.output, rtol, atol, `${backend.name} forward`);
  actual.grads.forEach((grad, i) => {
    if (grad && expected.grads[i]) expectClose(grad, expected.grads[i]!, rtol, atol, `${backend.name} gradient of input ${i}`);
  });
}
