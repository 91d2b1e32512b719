// The safetensors format (Hugging Face's): an 8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the tensors' bytes. PyTorch
// (safetensors.torch.load_file), JAX, TensorFlow and ONNX tooling read it; it holds no code.

export interface SafeTensor {
  name: string;
  dtype: 'F32' | 'I64';
  shape: readonly number[];
  /** Little-endian values: a Float32Array, or for I64 a BigInt64Array. */
  data: Float32Array | BigInt64Array;
}

/** The bytes of a .safetensors file of `tensors` (in this order), with string metadata. */
export function encodeSafetensors(tensors: readonly SafeTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length)
      throw new Error(`encodeSafetensors: ${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // the data starts 8-byte aligned
  const text = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + text.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  bytes.set(text, 8);
  let at = 8 + text.length;
  for (const t of tensors) {
    // typed arrays are little-endian on every platform this runs on; written through a view to be sure
    if (t.data instanceof Float32Array) for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i]!, true);
    else for (let i = 0; i < t.data.length; i++) view.setBigInt64(at + 8 * i, t.data[i]!, true);
    at += t.data.byteLength;
  }
  return bytes;
}
