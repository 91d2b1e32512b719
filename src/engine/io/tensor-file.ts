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

const DTYPES: readonly DType[] = ['f32', 'i32', 'u32'];
const HEADER_START = 12;
/** Magic, version, header length and CRC: no tensor file is shorter. */
const SMALLEST = HEADER_START + 4;

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
}

const elements = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * What is wrong with one tensor entry of a header, or null; `offset` is where the entry must
 * start (tensors are stored one after another, as encodeTensorFile writes them).
 */
function entryProblem(t: unknown, index: number, offset: number, names: Set<string>): string | null {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return `tensor ${index} is not an object`;
  const { name, dtype, shape, offset: start, ...rest } = t as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return `tensor ${index} has no name`;
  const what = `tensor ${JSON.stringify(name)}`;
  if (names.has(name)) return `two tensors are named ${JSON.stringify(name)}`;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `${what} has an unknown field ${JSON.stringify(unknown[0])}`;
  if (!DTYPES.includes(dtype as DType)) return `${what} has dtype ${JSON.stringify(dtype)} (expected ${DTYPES.join(', ')})`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    return `${what} has shape ${JSON.stringify(shape)} (expected a list of non-negative integers)`;
  if (!Number.isSafeInteger(4 * elements(shape))) return `${what} of shape [${shape.join(', ')}] is too large`;
  if (!Number.isSafeInteger(start) || (start as number) < 0) return `${what} has offset ${JSON.stringify(start)}`;
  if ((start as number) % 4 !== 0) return `${what} has offset ${start}, not a multiple of 4`;
  if (start !== offset) return `${what} starts at offset ${start}, expected ${offset} (right after the tensor before it)`;
  return null;
}

/** The header's tensors and the data bytes they take, or what is wrong with them. Never throws. */
function parseHeader(text: string): { meta: unknown; entries: Entry[]; dataBytes: number } | string {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    return 'corrupt header (not valid JSON)';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'the header is not a JSON object';
  const { meta, tensors, ...rest } = header as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `the header has an unknown field ${JSON.stringify(unknown[0])}`;
  if (!Array.isArray(tensors)) return 'the header has no list of tensors';
  const names = new Set<string>();
  let dataBytes = 0;
  for (const [index, t] of tensors.entries()) {
    const problem = entryProblem(t, index, dataBytes, names);
    if (problem) return problem;
    names.add(t.name);
    dataBytes += 4 * elements(t.shape);
    if (!Number.isSafeInteger(dataBytes)) return 'the tensors are too large';
  }
  return { meta, entries: tensors as Entry[], dataBytes };
}

/** The file's header as stored, or what is wrong with it. Reads only the bytes in range; never throws. */
function readHeader(bytes: Uint8Array, view: DataView) {
  const version = view.getUint32(4, true);
  if (version !== VERSION) return `format version ${version} is not supported (expected ${VERSION})`;
  const headerLength = view.getUint32(8, true);
  if (HEADER_START + headerLength + 4 > bytes.length) return `the header needs ${headerLength} bytes, the file has ${bytes.length}`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_START, HEADER_START + headerLength));
  } catch {
    return 'corrupt header (not UTF-8 text)';
  }
  const header = parseHeader(text);
  if (typeof header === 'string') return header;
  const dataStart = HEADER_START + Math.ceil(headerLength / 4) * 4;
  return { ...header, headerEnd: HEADER_START + headerLength, dataStart, fileLength: dataStart + header.dataBytes + 4 };
}

export function encodeTensorFile(file: TensorFile): Uint8Array<ArrayBuffer> {
  let offset = 0;
  const names = new Set<string>();
  const entries = file.tensors.map((t, i) => {
    const entry = { name: t.name, dtype: t.dtype, shape: t.shape, offset };
    // refuse here what decodeTensorFile would refuse, so every file written can be read back
    const problem = entryProblem(entry, i, offset, names);
    if (problem) throw new Error(`encodeTensorFile: ${problem}`);
    if (t.data.length !== elements(t.shape))
      throw new Error(`encodeTensorFile: tensor ${JSON.stringify(t.name)} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    names.add(t.name);
    offset += t.data.length * 4;
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ meta: file.meta, tensors: entries }));
  const dataStart = HEADER_START + Math.ceil(header.length / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, HEADER_START);
  file.tensors.forEach((t, i) => {
    const values = t.data instanceof Float64Array ? Float32Array.from(t.data) : t.data;
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), dataStart + entries[i]!.offset);
  });
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/**
 * Parses and verifies a tensor file; `source` (a file name) starts every error message, and
 * every refusal is a TensorFileError. The checksum is verified before any header field is
 * believed: the CRC is the last 4 bytes, so a damaged header is never interpreted.
 */
export function decodeTensorFile(bytes: Uint8Array, source = 'tensor file'): TensorFile {
  const refuse = (problem: string) => new TensorFileError(source, problem);
  if (bytes.length < SMALLEST) throw refuse(`truncated: ${bytes.length} bytes is shorter than any tensor file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // the magic number says whether this is a tensor file at all, which says more than a checksum
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC && magic !== EARLIER_MAGIC) throw refuse('not an sslgpu tensor file (wrong magic number)');
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    // The most common damage is a cut-off copy: say so when the header, read only to explain
    // the refusal, is intact and promises another length.
    const header = readHeader(bytes, view);
    if (typeof header !== 'string' && header.fileLength !== bytes.length) {
      const damage = bytes.length < header.fileLength ? 'truncated' : 'has trailing bytes';
      throw refuse(`${damage}: expected ${header.fileLength} bytes, found ${bytes.length}`);
    }
    throw refuse(`checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the file is corrupt`);
  }
  const header = readHeader(bytes, view);
  if (typeof header === 'string') throw refuse(header);
  if (header.fileLength !== bytes.length)
    throw refuse(`its tensors take ${header.dataBytes} bytes, but the file has ${bytes.length - header.dataStart - 4} bytes of data`);
  if (bytes.subarray(header.headerEnd, header.dataStart).some((b) => b !== 0)) throw refuse('corrupt header (padding is not zero)');
  const tensors = header.entries.map((t) => {
    // a copy of its own: a Node Buffer's slice is a view into a shared pool, not a copy
    const start = header.dataStart + t.offset;
    const raw = new Uint8Array(bytes.subarray(start, start + 4 * elements(t.shape))).buffer;
    const data = t.dtype === 'f32' ? new Float32Array(raw) : t.dtype === 'i32' ? new Int32Array(raw) : new Uint32Array(raw);
    return { name: t.name, dtype: t.dtype, shape: t.shape, data };
  });
  return { meta: header.meta, tensors };
}
