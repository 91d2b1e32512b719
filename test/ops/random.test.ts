// Philox4x32-10 on every backend: known answers, identical uniforms, matching normals.
import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/engine/backends/reference/backend.js';
import { philox4x32 } from '../../src/engine/random.js';
import * as ops from '../../src/index.js';
import { Generator } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/oracle.js';

const cases = await testBackends();
const reference = new ReferenceBackend();

describe('Philox4x32-10', () => {
  // Known-answer vectors from the Random123 distribution (kat_vectors).
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ])('matches the Random123 known answer %#', (counter, key, expected) => {
    expect(philox4x32(counter as [number, number, number, number], key as [number, number])).toEqual(expected);
  });

  it('a generator advances its counter by the blocks it used', () => {
    const generator = new Generator(7);
    expect(generator.reserve(10)).toBe(0);
    expect(generator.reserve(1)).toBe(3);
    expect(Generator.fromState(generator.state()).counter).toBe(4);
  });
});

describe.each(cases)('random numbers on $name', ({ backend }) => {
  it.skipIf(!backend)('uniform numbers in [0, 1) are bit-identical to the reference', async () => {
    const expected = await ops.rand([1001], { backend: reference, generator: new Generator(2 ** 40 + 5) }).toArray();
    const actual = await ops.rand([1001], { backend: backend!, generator: new Generator(2 ** 40 + 5) }).toArray();
    expect(actual).toEqual(expected);
    expect(Math.min(...actual)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...actual)).toBeLessThan(1);
  });

  it.skipIf(!backend)('scaled uniforms agree to one rounding', async () => {
    const options = { low: -2, high: 3 };
    const expected = await ops.rand([1001], { ...options, backend: reference, seed: 8 }).toArray();
    const actual = await ops.rand([1001], { ...options, backend: backend!, seed: 8 }).toArray();
    expectClose(actual, expected, 1e-6, 1e-6, 'uniforms');
  });

  it.skipIf(!backend)('normal numbers match the reference and have the right moments', async () => {
    const generator = new Generator(3);
    generator.counter = 2 ** 32 - 10; // the low counter word wraps inside this draw
    const start = generator.counter;
    const expected = await ops.randn([40001], { mean: 1, std: 2, backend: reference, generator }).toArray();
    generator.counter = start;
    const actual = await ops.randn([40001], { mean: 1, std: 2, backend: backend!, generator }).toArray();
    // the kernel computes cos/sin itself (the built-ins may be good only to 2^-11, as
    // SwiftShader's are); log and sqrt keep the rest to a few ulp
    expectClose(actual, expected, 5e-5, 5e-5, 'normals');
    const mean = actual.reduce((a, b) => a + b) / actual.length;
    const std = Math.sqrt(actual.reduce((a, b) => a + (b - mean) ** 2, 0) / actual.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(std - 2)).toBeLessThan(0.03);
  });

  it.skipIf(!backend)('consecutive draws from one generator differ; the same seed repeats', async () => {
    const g = new Generator(11);
    const a = await ops.rand([8], { backend: backend!, generator: g }).toArray();
    const b = await ops.rand([8], { backend: backend!, generator: g }).toArray();
    const c = await ops.rand([8], { backend: backend!, seed: 11 }).toArray();
    expect(a).not.toEqual(b);
    expect(c).toEqual(a);
  });
});
