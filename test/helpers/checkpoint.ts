// Checkpoints made inconsistent on purpose, for the tests of what restore() refuses.
import { decodeTensorFile, encodeTensorFile, type NamedArray, type TensorFile } from '../../src/engine/io/tensor-file.js';

type EditableFile = TensorFile & { meta: Record<string, unknown> };

/** The checkpoint `bytes` with its metadata or tensors changed by `change`, written anew (a valid checksum). */
export function edit(bytes: Uint8Array, change: (file: EditableFile) => void): Uint8Array {
  const file = decodeTensorFile(bytes) as EditableFile;
  change(file);
  return encodeTensorFile(file);
}

/** The tensor `name` of a decoded file (the test knows it is there). */
export function tensorOf(file: TensorFile, name: string): NamedArray {
  return file.tensors.find((t) => t.name === name)!;
}

/** The checkpoint with tensor `name` flattened to one dimension: the same values in the wrong shape. */
export function flattened(bytes: Uint8Array, name: string): Uint8Array {
  return edit(bytes, (file) => {
    const t = tensorOf(file, name);
    t.shape = [t.data.length];
  });
}
