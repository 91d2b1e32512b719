// The IDX format of (Fashion-)MNIST: a magic number (two zero bytes, the element type, the
// number of dimensions), the dimensions as big-endian u32, then the data. Every check names
// the file and what is wrong, so a bad download is never trained on silently.

export class DataFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an uncompressed IDX file of unsigned bytes with `rank` dimensions. */
export function parseIdx(bytes: Uint8Array, file: string, rank: number): IdxArray {
  if (bytes.length < 4) throw new DataFileError(file, `too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== UNSIGNED_BYTE || bytes[3] !== rank) {
    const magic = view.getUint32(0).toString(16).padStart(8, '0');
    throw new DataFileError(
      file,
      `wrong magic number 0x${magic} (expected 0x000008${rank.toString(16).padStart(2, '0')}: unsigned bytes, ${rank} dimensions)`,
    );
  }
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw new DataFileError(file, `truncated header (${bytes.length} of ${header} bytes)`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((p, d) => p * d, 1);
  const actual = bytes.length - header;
  if (actual !== expected) {
    throw new DataFileError(
      file,
      `${actual < expected ? 'truncated' : 'too long'}: ${actual} data bytes for dimensions ${dims.join('×')} (expected ${expected})`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

export interface LabelledImages {
  /** Pixels, image after image, row-major, 0–255. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Pairs an images file with its labels file, checking they agree. */
export function pairImages(images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string, classes = 10): LabelledImages {
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DataFileError(labelsFile, `${labels.dims[0]} labels for ${count} images in ${imagesFile}`);
  }
  const bad = labels.data.findIndex((label) => label >= classes);
  if (bad >= 0) throw new DataFileError(labelsFile, `label ${labels.data[bad]} at index ${bad} is not a class in [0, ${classes})`);
  return { pixels: images.data, labels: labels.data, count, height, width };
}
