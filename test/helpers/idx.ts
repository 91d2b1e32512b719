// IDX files (the MNIST format) and data directories made of them, for tests of the readers
// and of the command line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An IDX file: magic (0, 0, type, rank), the dimensions big-endian, then the bytes. */
export function idx(rank: number, dims: number[], data: ArrayLike<number>, magicType = 0x08): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * rank));
  header.setUint8(2, magicType);
  header.setUint8(3, rank);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  const bytes = new Uint8Array(header.byteLength + data.length);
  bytes.set(new Uint8Array(header.buffer));
  bytes.set(data, header.byteLength);
  return bytes;
}

/** A fresh directory holding the given files. */
export function dataset(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}
