// Tensor files written by hand around any header, with a valid checksum: what a file whose
// damage went unnoticed by its CRC (or a faulty writer) would hold.
import { crc32 } from '../../src/engine/io/tensor-file.js';

/** Writes a fresh checksum over bytes changed after encoding, so only the structure is wrong. */
export function resign(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** A tensor file around any header bytes and the given data bytes (or that many zeros), with a valid checksum. */
export function forge(header: Uint8Array, data: number | Uint8Array): Uint8Array {
  const dataStart = 12 + Math.ceil(header.length / 4) * 4;
  const payload = typeof data === 'number' ? new Uint8Array(data) : data;
  const bytes = new Uint8Array(dataStart + payload.length + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('SGPU'));
  view.setUint32(4, 1, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  bytes.set(payload, dataStart);
  return resign(bytes);
}
