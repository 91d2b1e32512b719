// The .sslgpu tensor file and module state dicts: round trips, and refusals of bad files.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ops from '../src/index.js';
import {
  decodeTensorFile,
  encodeTensorFile,
  Generator,
  loadStateDict,
  nn,
  ReferenceBackend,
  readTensors,
  saveStateDict,
  TensorFileError,
} from '../src/index.js';
import { readFileBytes, writeFileAtomic } from '../src/node.js';
import { forge, resign } from './helpers/tensor-file.js';

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

  it('reads a Node Buffer that is a view into a larger pool (its slice is not a copy)', () => {
    const encoded = encodeTensorFile(file);
    const pooled = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(encoded), Buffer.from([7])]).subarray(3, 3 + encoded.length);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    const decoded = decodeTensorFile(pooled);
    expect(decoded.tensors.map((t) => Array.from(t.data))).toEqual(file.tensors.map((t) => Array.from(t.data)));
    expect(decoded.tensors.map((t) => t.data.buffer.byteLength)).toEqual([24, 12, 0]);
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
    expect(decodeTensorFile(resign(bytes)).meta).toEqual(file.meta);
  });

  it('verifies the checksum before reading the header: a flipped bit in its JSON is a corrupt file, not a crash', () => {
    const bytes = encodeTensorFile(file);
    const at = new TextDecoder().decode(bytes).indexOf('"tensors"') + 1;
    bytes[at]! ^= 0x04; // "tensors" becomes "pensors": the header would have no list of tensors
    expect(() => decodeTensorFile(bytes, 'run.sslgpu')).toThrow(/^run\.sslgpu: checksum mismatch .*corrupt/);
  });

  it('refuses every malformed header field with a valid checksum, naming the file and the field', () => {
    const entries = [
      { name: 'a', dtype: 'f32', shape: [2, 3], offset: 0 },
      { name: 'b', dtype: 'i32', shape: [3], offset: 24 },
    ];
    const data = 36;
    const edit = (i: number, change: Record<string, unknown>) => ({
      meta: {},
      tensors: entries.map((e, j) => (i === j ? { ...e, ...change } : e)),
    });
    const cases: [unknown, number, string][] = [
      [edit(0, { shape: 6 }), data, 'tensor "a" has shape 6 (expected a list of non-negative integers)'],
      [edit(0, { shape: [2, -3] }), data, 'tensor "a" has shape [2,-3]'],
      [edit(0, { shape: [2, 1.5] }), data, 'tensor "a" has shape [2,1.5]'],
      [edit(0, { shape: [2, '3'] }), data, 'tensor "a" has shape [2,"3"]'],
      [edit(0, { shape: [2 ** 40, 2 ** 40] }), data, 'tensor "a" of shape [1099511627776, 1099511627776] is too large'],
      [edit(0, { dtype: 'f64' }), data, 'tensor "a" has dtype "f64" (expected f32, i32, u32)'],
      [edit(0, { name: 7 }), data, 'tensor 0 has no name'],
      [edit(1, { name: 'a' }), data, 'two tensors are named "a"'],
      [edit(1, { offset: 26 }), data, 'tensor "b" has offset 26, not a multiple of 4'],
      [edit(1, { offset: 20 }), data, 'tensor "b" starts at offset 20, expected 24'],
      [edit(1, { offset: -4 }), data, 'tensor "b" has offset -4'],
      [edit(1, { offset: '24' }), data, 'tensor "b" has offset "24"'],
      [edit(1, { size: 3 }), data, 'tensor "b" has an unknown field "size"'],
      [{ meta: {}, tensors: [entries[0], null] }, data, 'tensor 1 is not an object'],
      [edit(1, { shape: [4] }), data, 'its tensors take 40 bytes, but the file has 36 bytes of data'],
      [edit(1, { shape: [2] }), data, 'its tensors take 32 bytes, but the file has 36 bytes of data'],
      [{ meta: {}, tensors: {} }, data, 'the header has no list of tensors'],
      [{ meta: {}, tensors: [], extra: 1 }, 0, 'the header has an unknown field "extra"'],
      [[1, 2], 0, 'the header is not a JSON object'],
      ['{"tensors": [', 0, 'corrupt header (not valid JSON)'],
    ];
    for (const [header, dataBytes, problem] of cases) {
      const text = typeof header === 'string' ? header : JSON.stringify(header);
      const decode = () => decodeTensorFile(forge(new TextEncoder().encode(text), dataBytes), 'f.sslgpu');
      expect(decode, text).toThrow(TensorFileError);
      expect(decode, text).toThrow(`f.sslgpu: ${problem}`);
    }
    const forged = (change: (bytes: Uint8Array, view: DataView) => void) => {
      const bytes = encodeTensorFile(file);
      change(bytes, new DataView(bytes.buffer));
      return resign(bytes);
    };
    expect(() =>
      decodeTensorFile(
        forged((_, view) => view.setUint32(4, 2, true)),
        'f.sslgpu',
      ),
    ).toThrow('f.sslgpu: format version 2 is not supported (expected 1)');
    expect(() =>
      decodeTensorFile(
        forged((_, view) => view.setUint32(8, 1e6, true)),
        'f.sslgpu',
      ),
    ).toThrow(/^f\.sslgpu: the header needs 1000000 bytes, the file has \d+/);
    expect(() =>
      decodeTensorFile(
        forged((bytes) => (bytes[13] = 0xff)),
        'f.sslgpu',
      ),
    ).toThrow('f.sslgpu: corrupt header (not UTF-8 text)');
    const padded = forge(new TextEncoder().encode('{"tensors":[]}'), 0); // 14 bytes of header, 2 of padding
    expect(() => decodeTensorFile(resign(padded.fill(1, 26, 28)), 'f.sslgpu')).toThrow('f.sslgpu: corrupt header (padding is not zero)');
  });

  it('writes only files it can read back', () => {
    const tensor = (name: string, shape: number[], length: number) => ({
      name,
      dtype: 'f32' as const,
      shape,
      data: new Float32Array(length),
    });
    expect(() => encodeTensorFile({ meta: {}, tensors: [tensor('a', [2], 3)] })).toThrow(
      'encodeTensorFile: tensor "a" has 3 values for shape [2]',
    );
    expect(() => encodeTensorFile({ meta: {}, tensors: [tensor('a', [1], 1), tensor('a', [1], 1)] })).toThrow(
      'encodeTensorFile: two tensors are named "a"',
    );
    expect(() => encodeTensorFile({ meta: {}, tensors: [tensor('', [1], 1)] })).toThrow('encodeTensorFile: tensor 0 has no name');
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

  it('a refused state dict changes nothing, even where its first tensors would fit', async () => {
    const source = new nn.Sequential(new nn.Linear(4, 3, { backend }), new nn.Linear(3, 2, { backend }));
    const target = new nn.Sequential(new nn.Linear(4, 3, { backend }), new nn.Linear(3, 5, { backend }));
    const before = await Promise.all(target.namedTensors().map(([, t]) => t.toArray()));
    const bytes = encodeTensorFile({ meta: {}, tensors: await readTensors(source.stateDict()) });
    expect(() => loadStateDict(target, bytes)).toThrow('loadStateDict: layers.1.weight is f32[2, 3], the module has f32[5, 3]');
    expect(await Promise.all(target.namedTensors().map(([, t]) => t.toArray()))).toEqual(before);
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
