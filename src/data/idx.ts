// The IDX format of (Fashion-)MNIST: a magic number (two zero bytes, the element type, the
// number of dimensions), the dimensions as big-endian u32, then the data. Every check names
// the file and what is wrong, so a bad download is never trained on silently, and sizes are
// checked against the header before memory is spent on them.

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

/**
 * The largest IDX file read, uncompressed: generous (Fashion-MNIST's training images take
 * 47 MB, all 814,255 of EMNIST's 0.6 GB) yet far from what exhausts the memory of a page or a laptop.
 */
export const MAX_IDX_BYTES = 2 ** 31;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Bytes of the magic number and the dimensions of an IDX file with `rank` dimensions. */
export const idxHeaderLength = (rank: number) => 4 + 4 * rank;

const formatBytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${n} bytes`);

/**
 * The dimensions an IDX header declares and the length of the whole file they imply; `bytes`
 * may be the file's first bytes only. Refuses another format and sizes above MAX_IDX_BYTES.
 */
export function idxHeader(bytes: Uint8Array, file: string, rank: number): { dims: number[]; byteLength: number } {
  if (bytes.length < 4) throw new DataFileError(file, `too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) === 0 && bytes[2] === UNSIGNED_BYTE && bytes[3] !== rank) {
    throw new DataFileError(
      file,
      `holds an array of ${bytes[3]} dimensions, expected ${rank}${rank === 3 ? ' (images × rows × columns, one channel)' : ''}`,
    );
  }
  if (view.getUint16(0) !== 0 || bytes[2] !== UNSIGNED_BYTE) {
    const magic = view.getUint32(0).toString(16).padStart(8, '0');
    throw new DataFileError(
      file,
      `wrong magic number 0x${magic} (expected 0x000008${rank.toString(16).padStart(2, '0')}: unsigned bytes, ${rank} dimensions)`,
    );
  }
  const header = idxHeaderLength(rank);
  if (bytes.length < header) throw new DataFileError(file, `truncated header (${bytes.length} of ${header} bytes)`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const byteLength = header + dims.reduce((p, d) => p * d, 1);
  if (byteLength > MAX_IDX_BYTES) {
    throw new DataFileError(
      file,
      `declares dimensions ${dims.join('×')} (${formatBytes(byteLength)}), more than the ${formatBytes(MAX_IDX_BYTES)} this reader takes`,
    );
  }
  return { dims, byteLength };
}

/** Refuses a file of `actual` bytes where its header implies another length. */
export function checkIdxLength(file: string, header: { dims: number[]; byteLength: number }, actual: number): void {
  if (actual === header.byteLength) return;
  const data = header.byteLength - idxHeaderLength(header.dims.length);
  const found = actual - idxHeaderLength(header.dims.length);
  throw new DataFileError(
    file,
    `${found < data ? 'truncated' : 'too long'}: ${found} data bytes for dimensions ${header.dims.join('×')} (expected ${data})`,
  );
}

/** Refuses a compressed file whose data goes on past the length its header declares. */
export function inflatesTooFar(file: string, header: { dims: number[]; byteLength: number }): DataFileError {
  return new DataFileError(file, `decompresses to more than the ${header.byteLength} bytes its header declares (${header.dims.join('×')})`);
}

/** Parses an uncompressed IDX file of unsigned bytes with `rank` dimensions. */
export function parseIdx(bytes: Uint8Array, file: string, rank: number): IdxArray {
  const header = idxHeader(bytes, file, rank);
  checkIdxLength(file, header, bytes.length);
  return { dims: header.dims, data: bytes.subarray(idxHeaderLength(rank)) };
}

export interface LabelledImages {
  /** Pixels, image after image (each channel's plane after the other's), row-major, 0–255. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  /** Planes per image (absent: 1, as in IDX files). */
  channels?: number;
  /**
   * How the trainer normalises the values (fractions of 255), per channel: the training images'
   * mean and deviation (absent: Fashion-MNIST's, src/method/ops/augment.ts).
   */
  mean?: readonly number[];
  std?: readonly number[];
  /** The images' file, for messages (absent for images made in memory). */
  file?: string;
}

/** Images `pick` of a split, in that order (a copy). */
export function selectImages<S extends LabelledImages>(split: S, pick: ArrayLike<number>): S {
  const plane = (split.channels ?? 1) * split.height * split.width;
  const rows = Array.from(pick);
  const pixels = new Uint8Array(rows.length * plane);
  for (const [i, row] of rows.entries()) pixels.set(split.pixels.subarray(row * plane, (row + 1) * plane), i * plane);
  // a folder's images carry their file names (src/data/images.ts); they follow their rows
  const names = (split as { names?: string[] }).names;
  return {
    ...split,
    pixels,
    labels: Uint8Array.from(rows, (row) => split.labels[row]!),
    count: rows.length,
    ...(names ? { names: rows.map((row) => names[row]!) } : {}),
  };
}

/** Pairs an images file with its labels file, checking they agree. */
export function pairImages(images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string, classes = 10): LabelledImages {
  const [count, height, width] = images.dims as [number, number, number];
  if (count === 0) throw new DataFileError(imagesFile, 'holds no images: a data set needs at least one in each split');
  if (height === 0 || width === 0) throw new DataFileError(imagesFile, `holds images of ${height}×${width} pixels`);
  if (labels.dims[0] !== count) {
    throw new DataFileError(labelsFile, `${labels.dims[0]} labels for ${count} images in ${imagesFile}`);
  }
  const bad = labels.data.findIndex((label) => label >= classes);
  if (bad >= 0) throw new DataFileError(labelsFile, `label ${labels.data[bad]} at index ${bad} is not a class in [0, ${classes})`);
  return { pixels: images.data, labels: labels.data, count, height, width, file: imagesFile };
}

/**
 * Refuses training and test images that cannot be one data set for the trainer: both of one
 * size (the network and the kNN compare them), and a multiple of 4 pixels (packed 4 a word).
 */
export function checkSplits(train: LabelledImages, test: LabelledImages): void {
  const size = (s: LabelledImages) => `${(s.channels ?? 1) > 1 ? `${s.channels}×` : ''}${s.height}×${s.width}`;
  if (train.height !== test.height || train.width !== test.width || (train.channels ?? 1) !== (test.channels ?? 1)) {
    const training = `the training images${train.file ? ` (${train.file})` : ''}`;
    throw new DataFileError(
      test.file ?? 'the test images',
      `test images of ${size(test)} pixels, but ${training} are ${size(train)}: both splits must come from one data set`,
    );
  }
  if ((train.height * train.width) % 4 !== 0) {
    throw new DataFileError(
      train.file ?? 'the training images',
      `images of ${size(train)} pixels: the trainer packs 4 pixels a word, so height × width must be a multiple of 4`,
    );
  }
}
