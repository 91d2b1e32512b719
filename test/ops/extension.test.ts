// A kernel added from outside the engine, the way src/method/kernels.ts adds the method's:
// declared once, implemented for every backend family, registered, and run through the table.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import {
  bufferOf,
  dispatchThreads,
  type GpuContext,
  kernel,
  type ReferenceContext,
  registerKernels,
  type Storage,
  type WasmContext,
} from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';

type LeakyReluArgs = { x: Storage; out: Storage; slope: number };
const LEAKY = { leakyRelu: kernel<LeakyReluArgs>('leakyRelu') };

const source = /* wgsl */ `
struct LeakyReluParams { size: u32, slope: f32 }

@group(0) @binding(0) var<uniform> p: LeakyReluParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn leakyRelu(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < p.size) { out[i] = select(p.slope * x[i], x[i], x[i] > 0.0); }
}`;

/** The host-side loop of the reference and WebAssembly implementations. */
function leakyReluInto(x: ArrayLike<number>, out: { [i: number]: number; length: number }, slope: number): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i]! > 0 ? x[i]! : slope * x[i]!;
}

const registration = {
  reference: { leakyRelu: ({ data }: ReferenceContext, a: LeakyReluArgs) => leakyReluInto(data(a.x), data(a.out), a.slope) },
  wasm: { leakyRelu: (ctx: WasmContext, a: LeakyReluArgs) => leakyReluInto(ctx.view(a.x), ctx.view(a.out), a.slope) },
  webgpu: {
    leakyRelu: (ctx: GpuContext, a: LeakyReluArgs) =>
      dispatchThreads(
        ctx,
        { shader: 'test_leaky_relu', source, entry: 'leakyRelu', params: 'LeakyReluParams' },
        { size: a.out.size, slope: a.slope },
        [bufferOf(a.x), bufferOf(a.out)],
        a.out.size,
      ),
  },
};
registerKernels(LEAKY, registration);

function leakyRelu(x: ops.Tensor, slope: number): ops.Tensor {
  const out = ops.Tensor.empty(x.backend, x.shape);
  x.backend.run(LEAKY.leakyRelu, { x: x.storage, out: out.storage, slope });
  return out;
}

describe.each(await testBackends())('an extension kernel on $name', ({ backend }) => {
  it.skipIf(!backend)("runs where the engine's kernels run", async () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 17) - 8.5);
    const x = ops.tensor(values, [10, 100], { backend: backend! });
    const y = leakyRelu(x, 0.25);
    expect(Array.from(await y.data())).toEqual(values.map((v) => (v > 0 ? v : 0.25 * v)));
    for (const t of [x, y]) t.dispose();
  });
});

it('refuses a second kernel of a taken name, and names a kernel no module registered', () => {
  registerKernels(LEAKY, registration); // the same set again: harmless
  expect(() => registerKernels({ leakyRelu: kernel<LeakyReluArgs>('leakyRelu') }, registration)).toThrow(
    'kernels: leakyRelu is declared twice',
  );
  expect(() =>
    registerKernels(
      { matmul: kernel<LeakyReluArgs>('matmul') },
      {
        reference: { matmul: registration.reference.leakyRelu },
        wasm: { matmul: registration.wasm.leakyRelu },
        webgpu: { matmul: registration.webgpu.leakyRelu },
      },
    ),
  ).toThrow('kernels: matmul is declared twice');
  const backend = new ops.ReferenceBackend();
  const x = ops.zeros([2], { backend });
  expect(() => backend.run(kernel<LeakyReluArgs>('unregistered'), { x: x.storage, out: x.storage, slope: 0 })).toThrow(
    'unregistered: no reference kernel of that name (is its module imported?)',
  );
});
