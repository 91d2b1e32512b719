// NumPy's .npy format (version 1.0): the magic string, a header dict padded to a multiple of 64
// bytes, then the values little-endian, row-major. `numpy.load` reads it, and so does anything
// that reads NumPy's files.

/** The bytes of a .npy file holding `values` as a float32 array of `shape`. */
export function encodeNpy(values: Float32Array, shape: readonly number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new Error(`encodeNpy: ${values.length} values for shape (${shape.join(', ')})`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`; // magic, version and length take 10 bytes
  const bytes = new Uint8Array(10 + header.length + 4 * values.length);
  bytes.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  const view = new DataView(bytes.buffer, 10 + header.length);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  return bytes;
}
