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

type ClampArgs = { x: Storage; out: Storage; low: number; high: number };
const CLAMP = { clamp: kernel<ClampArgs>('clamp') };

const source = /* wgsl */ `
struct ClampParams { size: u32, low: f32, high: f32 }

@group(0) @binding(0) var<uniform> p: ClampParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn clampValues(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < p.size) { out[i] = min(max(x[i], p.low), p.high); }
}`;

/** The host-side loop of the reference and WebAssembly implementations. */
function clampInto(x: ArrayLike<number>, out: { [i: number]: number; length: number }, low: number, high: number): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(x[i]!, low), high);
}

const registration = {
  reference: { clamp: ({ data }: ReferenceContext, a: ClampArgs) => clampInto(data(a.x), data(a.out), a.low, a.high) },
  wasm: { clamp: (ctx: WasmContext, a: ClampArgs) => clampInto(ctx.view(a.x), ctx.view(a.out), a.low, a.high) },
  webgpu: {
    clamp: (ctx: GpuContext, a: ClampArgs) =>
      dispatchThreads(
        ctx,
        { shader: 'test_clamp', source, entry: 'clampValues', params: 'ClampParams' },
        { size: a.out.size, low: a.low, high: a.high },
        [bufferOf(a.x), bufferOf(a.out)],
        a.out.size,
      ),
  },
};
registerKernels(CLAMP, registration);

function clamp(x: ops.Tensor, low: number, high: number): ops.Tensor {
  const out = ops.Tensor.empty(x.backend, x.shape);
  x.backend.run(CLAMP.clamp, { x: x.storage, out: out.storage, low, high });
  return out;
}

describe.each(await testBackends())('an extension kernel on $name', ({ backend }) => {
  it.skipIf(!backend)("runs where the engine's kernels run", async () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 17) - 8.5);
    const x = ops.tensor(values, [10, 100], { backend: backend! });
    const y = clamp(x, -2, 3.25);
    expect(Array.from(await y.data())).toEqual(values.map((v) => Math.min(Math.max(v, -2), 3.25)));
    for (const t of [x, y]) t.dispose();
  });
});

it('refuses a second kernel of a taken name, and names a kernel no module registered', () => {
  registerKernels(CLAMP, registration); // the same set again: harmless
  expect(() => registerKernels({ clamp: kernel<ClampArgs>('clamp') }, registration)).toThrow('kernels: clamp is declared twice');
  expect(() =>
    registerKernels(
      { matmul: kernel<ClampArgs>('matmul') },
      {
        reference: { matmul: registration.reference.clamp },
        wasm: { matmul: registration.wasm.clamp },
        webgpu: { matmul: registration.webgpu.clamp },
      },
    ),
  ).toThrow('kernels: matmul is declared twice');
  const backend = new ops.ReferenceBackend();
  const x = ops.zeros([2], { backend });
  expect(() => backend.run(kernel<ClampArgs>('unregistered'), { x: x.storage, out: x.storage, low: 0, high: 1 })).toThrow(
    'unregistered: no reference kernel of that name (is its module imported?)',
  );
});
