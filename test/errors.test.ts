// Bad input gets a clear error: shapes name the op, disposed tensors are refused, and on
// the GPU an invalid shader or a lost device throws naming the kernel.
import { describe, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import { KernelError, type WebGpuBackend } from '../src/node.js';
import { gpuCases, testBackends } from './helpers/backends.js';

const cases = await testBackends();

describe.each(cases)('errors on $name', ({ backend }) => {
  it.skipIf(!backend)('a shape mismatch names the op and both shapes', () => {
    const a = ops.zeros([2, 3], { backend: backend! });
    const b = ops.zeros([4, 5], { backend: backend! });
    expect(() => a.add(b)).toThrow('add: shapes [2, 3] and [4, 5] cannot be broadcast together');
    expect(() => a.matmul(b)).toThrow('matmul: shapes [2, 3] and [4, 5] do not multiply');
    expect(() => ops.conv2d(ops.zeros([1, 3, 5, 5], { backend: backend! }), ops.zeros([4, 2, 3, 3], { backend: backend! }))).toThrow(
      'conv2d: input [1, 3, 5, 5] with groups=1 needs weight [4, 3, KH, KW], got [4, 2, 3, 3]',
    );
    expect(() => ops.linear(a, b)).toThrow('linear: input [2, 3], weight [4, 5] do not fit');
    expect(() => ops.crossEntropy(a, ops.zeros([3], { backend: backend!, dtype: 'i32' }))).toThrow(
      'crossEntropy: targets [3] must be [2] for logits [2, 3]',
    );
  });

  it.skipIf(!backend)('a disposed tensor used again throws', async () => {
    const a = ops.ones([3], { backend: backend! });
    a.dispose();
    expect(() => a.add(1)).toThrow(/addScalar: input 0 \(Tensor\(f32\[3\], disposed\)\) was disposed/);
    expect(() => a.storage).toThrow('was disposed and cannot be used');
    await expect(a.data()).rejects.toThrow('was disposed');
  });

  it.skipIf(!backend)('gradients need f32', () => {
    expect(() => ops.zeros([2], { backend: backend!, dtype: 'i32' }).requireGrad()).toThrow('only f32 tensors have gradients');
  });
});

describe.each(gpuCases(cases))('GPU failures on $name', ({ backend }) => {
  it.skipIf(!backend)('an invalid shader throws naming the kernel', async () => {
    const gpu = backend as WebGpuBackend;
    const out = ops.zeros([4], { backend: gpu });
    gpu.runtime.dispatch(
      { shader: 'broken', source: 'struct P { n: u32 }\n@compute @workgroup_size(1) fn oops( {', entry: 'oops', params: 'P' },
      { n: 1 },
      [],
      [1, 1, 1],
    );
    const failure = await gpu.sync().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KernelError);
    expect((failure as Error).message).toMatch(/kernel broken\.oops failed to compile/);
    // the backend keeps working after the failed kernel
    expect(await out.add(1).toArray()).toEqual([1, 1, 1, 1]);
  });

  it.skipIf(!backend)('a lost device throws naming the kernel', async () => {
    const { createWebGpuBackend } = await import('../src/node.js');
    const adapter = backend!.description.includes('llvmpipe') ? 'llvmpipe' : 'swiftshader';
    const doomed = (await createWebGpuBackend({ adapter }))!;
    const x = ops.ones([8], { backend: doomed });
    await doomed.sync();
    doomed.device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the loss be reported
    expect(() => x.exp()).toThrow(/WebGPU device lost .*cannot run elementwise\.unary/);
  });
});
