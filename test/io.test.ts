// The .sslgpu tensor file and module state dicts: round trips, and refusals of bad files.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import { crc32, decodeTensorFile, encodeTensorFile, Generator, loadStateDict, nn, ReferenceBackend, saveStateDict } from '../src/index.js';
import { readFileBytes, writeFileAtomic } from '../src/node.js';

const backend = new ReferenceBackend();

function block(seed: number) {
  return new nn.BasicBlock(3, 6, 2, { backend, generator: new Generator(seed) });
}

describe('tensor files', () => {
  const file = {
    meta: { epoch: 3, note: 'ünïcode' },
    tensors: [
      { name: 'a', dtype: 'f32' as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) },
      { name: 'b', dtype: 'i32' as const, shape: [3], data: Int32Array.of(-1, 0, 7) },
      { name: 'empty', dtype: 'f32' as const, shape: [0], data: new Float32Array(0) },
    ],
  };

  it('round-trips tensors and metadata', () => {
    const decoded = decodeTensorFile(encodeTensorFile(file));
    expect(decoded.meta).toEqual(file.meta);
    expect(decoded.tensors.map((t) => [t.name, t.dtype, t.shape, Array.from(t.data)])).toEqual(
      file.tensors.map((t) => [t.name, t.dtype, t.shape, Array.from(t.data)]),
    );
  });

  it('refuses a truncated file, naming it', () => {
    const bytes = encodeTensorFile(file);
    expect(() => decodeTensorFile(bytes.subarray(0, bytes.length - 9), 'run.sslgpu')).toThrow(
      /^run\.sslgpu: truncated: expected \d+ bytes, found \d+/,
    );
  });

  it('refuses a corrupted file', () => {
    const bytes = encodeTensorFile(file);
    bytes[bytes.length - 10]! ^= 0x40;
    expect(() => decodeTensorFile(bytes, 'run.sslgpu')).toThrow('run.sslgpu: checksum mismatch');
  });

  it('reads files written under the working name (magic "WSSL")', () => {
    const bytes = encodeTensorFile(file);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('SGPU');
    bytes.set(new TextEncoder().encode('WSSL'), 0);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expect(decodeTensorFile(bytes).meta).toEqual(file.meta);
  });

  it('refuses something else', () => {
    expect(() => decodeTensorFile(new TextEncoder().encode('{"not": "a tensor file"}'), 'x.json')).toThrow(
      'x.json: not an sslgpu tensor file',
    );
  });
});

describe('state dicts', () => {
  it('save and load restore every parameter and buffer', async () => {
    const source = block(1);
    scope(source);
    const bytes = await saveStateDict(source, { kind: 'BasicBlock' });
    const target = block(2);
    expect(loadStateDict(target, bytes)).toEqual({ kind: 'BasicBlock' });
    for (const [[name, a], [, b]] of source.namedTensors().map((e, i) => [e, target.namedTensors()[i]!] as const)) {
      expect(await b.toArray(), name).toEqual(await a.toArray());
    }
    expect(source.stateDict().has('shortcut.layers.1.runningVar')).toBe(true);
    expect(source.parameters().length).toBe(9); // 3 conv weights + 3 BNs × (weight, bias)
  });

  it('refuses a state dict of another shape, naming the tensor', async () => {
    const bytes = await saveStateDict(new nn.Linear(4, 3, { backend }));
    expect(() => loadStateDict(new nn.Linear(4, 2, { backend }), bytes)).toThrow(
      'loadStateDict: weight is f32[3, 4], the module has f32[2, 4]',
    );
  });

  it('writes files atomically: a failed write leaves the old file and no temporary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sslgpu-'));
    const path = join(dir, 'model.sslgpu');
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect(Array.from(readFileBytes(path))).toEqual([1, 2, 3]);
    writeFileSync(join(dir, 'blocker'), '');
    expect(() => writeFileAtomic(join(dir, 'blocker', 'x.sslgpu'), Uint8Array.of(9))).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['blocker', 'model.sslgpu']);
  });
});

/** Runs one training-mode forward pass so the running statistics are not the initial ones. */
function scope(module: nn.Module): void {
  ops.scope(() => module.forward(ops.randn([4, 3, 8, 8], { backend, seed: 3 })));
}
