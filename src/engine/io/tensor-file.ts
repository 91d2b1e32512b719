// The .sslgpu tensor file: named tensors plus JSON metadata, with a CRC-32 over everything,
// so a truncated or corrupted file is refused with a message that says what is wrong.
//
//   0      "SGPU"             magic ("WSSL", the working name's, is still read)
//   4      u32 version        (1)
//   8      u32 H              header length in bytes
//   12     header JSON        { meta, tensors: [{ name, dtype, shape, offset }] }, zero-padded to 4 bytes
//   …      tensor data        little-endian 32-bit elements, each tensor at its offset
//   end-4  u32 CRC-32         of every byte before it

import type { AnyTypedArray, DType } from '../backend.js';

const MAGIC = 0x55504753; // "SGPU" read as a little-endian u32
const EARLIER_MAGIC = 0x4c535357; // "WSSL": files written before the rename
const VERSION = 1;

export interface NamedArray {
  name: string;
  dtype: DType;
  shape: number[];
  data: AnyTypedArray;
}

export interface TensorFile {
  meta: unknown;
  tensors: NamedArray[];
}

export class TensorFileError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'TensorFileError';
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, as in zip and PNG). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function encodeTensorFile(file: TensorFile): Uint8Array {
  let offset = 0;
  const entries = file.tensors.map((t) => {
    const entry = { name: t.name, dtype: t.dtype, shape: t.shape, offset };
    offset += t.data.length * 4;
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ meta: file.meta, tensors: entries }));
  const dataStart = 12 + Math.ceil(header.length / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  file.tensors.forEach((t, i) => {
    const values = t.data instanceof Float64Array ? Float32Array.from(t.data) : t.data;
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), dataStart + entries[i]!.offset);
  });
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** Parses and verifies a tensor file; `source` (a file name) starts every error message. */
export function decodeTensorFile(bytes: Uint8Array, source = 'tensor file'): TensorFile {
  if (bytes.length < 16) throw new TensorFileError(source, `truncated: ${bytes.length} bytes is shorter than any tensor file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC && magic !== EARLIER_MAGIC) throw new TensorFileError(source, 'not an sslgpu tensor file (wrong magic number)');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new TensorFileError(source, `format version ${version} is not supported (expected ${VERSION})`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength + 4 > bytes.length)
    throw new TensorFileError(source, `truncated: the header needs ${headerLength} bytes, the file has ${bytes.length}`);
  let header: { meta: unknown; tensors: { name: string; dtype: DType; shape: number[]; offset: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    throw new TensorFileError(source, 'corrupt header (not valid JSON)');
  }
  const dataStart = 12 + Math.ceil(headerLength / 4) * 4;
  const expectedLength =
    dataStart + header.tensors.reduce((end, t) => Math.max(end, t.offset + 4 * t.shape.reduce((p, d) => p * d, 1)), 0) + 4;
  if (bytes.length !== expectedLength) {
    throw new TensorFileError(
      source,
      `${bytes.length < expectedLength ? 'truncated' : 'has trailing bytes'}: expected ${expectedLength} bytes, found ${bytes.length}`,
    );
  }
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual)
    throw new TensorFileError(
      source,
      `checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the file is corrupt`,
    );
  const tensors = header.tensors.map((t) => {
    const size = t.shape.reduce((p, d) => p * d, 1);
    const raw = bytes.slice(dataStart + t.offset, dataStart + t.offset + size * 4).buffer;
    const data = t.dtype === 'f32' ? new Float32Array(raw) : t.dtype === 'i32' ? new Int32Array(raw) : new Uint32Array(raw);
    return { name: t.name, dtype: t.dtype, shape: t.shape, data };
  });
  return { meta: header.meta, tensors };
}
