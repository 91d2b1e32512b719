// Reading the IDX files from disk in Node, gzip or raw. Sizes are checked against each file's
// header before its data is read or decompressed, so a damaged or hostile file costs no more
// memory than the data set it claims to be.

import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import {
  checkIdxLength,
  DataFileError,
  type IdxArray,
  idxHeader,
  idxHeaderLength,
  inflatesTooFar,
  type LabelledImages,
  MAX_IDX_BYTES,
  pairImages,
  parseIdx,
} from './idx.js';

export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

const INSTALL = "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data DIR";

const isGzip = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b;

/** What the first bytes of a gzip stream may expand to while its IDX header is looked for. */
const PREFIX_LIMIT = 2 ** 24;

/**
 * At least the first `count` bytes a gzip stream expands to (fewer where it has fewer). Little
 * input first: n compressed bytes expand to at most about 1032·n, and never past PREFIX_LIMIT.
 */
function gunzipPrefix(bytes: Uint8Array, count: number): Uint8Array {
  for (let input = 256; ; input *= 4) {
    const end = Math.min(input, bytes.length);
    // a prefix of the stream is decoded as far as it goes; the whole stream must be complete
    const finishFlush = end < bytes.length ? constants.Z_SYNC_FLUSH : constants.Z_FINISH;
    const head = gunzipSync(bytes.subarray(0, end), { finishFlush, maxOutputLength: PREFIX_LIMIT });
    if (head.length >= count || end === bytes.length) return head;
  }
}

/** An IDX file's bytes, gzip or raw, parsed; a gzip stream is decompressed no further than its header's size. */
export function decodeIdx(bytes: Uint8Array, file: string, rank: number): IdxArray {
  if (!isGzip(bytes)) return parseIdx(bytes, file, rank);
  const corrupt = (error: unknown) => new DataFileError(file, `corrupt gzip data (${(error as Error).message})`);
  let head: Uint8Array;
  try {
    head = gunzipPrefix(bytes, idxHeaderLength(rank));
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DataFileError(file, `expands to more than ${PREFIX_LIMIT} bytes before its IDX header is complete`);
    throw corrupt(error);
  }
  const header = idxHeader(head, file, rank);
  let data: Uint8Array;
  try {
    data = gunzipSync(bytes, { maxOutputLength: header.byteLength });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw inflatesTooFar(file, header);
    throw corrupt(error);
  }
  return parseIdx(data, file, rank);
}

/** A file system error as a one-line message naming the file. */
function unreadable(path: string, error: unknown): DataFileError {
  const code = (error as { code?: string }).code;
  if (code === 'EISDIR') return new DataFileError(path, 'is a directory, where an IDX file is expected');
  if (code === 'EACCES' || code === 'EPERM') return new DataFileError(path, 'cannot be read (permission denied)');
  return new DataFileError(path, `cannot be read (${code ?? (error as Error).message})`);
}

/** The file at `path` (of `size` bytes), read only when its size is what its header says. */
function readIdx(path: string, size: number, rank: number): IdxArray {
  if (size > MAX_IDX_BYTES) throw new DataFileError(path, `is ${size} bytes, more than an IDX file this reader takes`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const head = new Uint8Array(Math.min(size, idxHeaderLength(rank)));
    readSync(fd, head, 0, head.length, 0);
    // a raw file's length is known before reading it; a gzip stream's only as it expands
    if (!isGzip(head)) checkIdxLength(path, idxHeader(head, path, rank), size);
    return decodeIdx(readFileSync(fd), path, rank);
  } catch (error) {
    throw error instanceof DataFileError ? error : unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/** The size of the file at `path`, or null where there is none; a directory is refused. */
function fileSize(path: string): number | null {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new DataFileError(path, 'is a directory, where an IDX file is expected');
    return stat.size;
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw unreadable(path, error);
  }
}

/** `<stem>.gz` or `<stem>` in dir, gzip or raw, read and parsed. */
function readFromDir(dir: string, stem: string, rank: number): [IdxArray, string] {
  for (const name of [`${stem}.gz`, stem]) {
    const path = join(dir, name);
    const size = fileSize(path);
    if (size !== null) return [readIdx(path, size, rank), path];
  }
  const hint = dir === DEFAULT_DATA_DIR ? `: ${INSTALL}` : ` in ${dir}, the data set given`;
  throw new DataFileError(join(dir, `${stem}.gz`), `not found (nor ${stem})${hint}`);
}

/** Refuses a data directory that is not there (naming it), before its files are looked for. */
function checkDir(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw unreadable(dir, error);
    throw new DataFileError(dir, dir === DEFAULT_DATA_DIR ? `not found: ${INSTALL}` : 'no such directory');
  }
  if (!isDirectory) throw new DataFileError(dir, 'is a file, where a directory of IDX files is expected');
}

/** The train or test split of (Fashion-)MNIST from `dir`. */
export function loadSplit(dir: string, split: 'train' | 'test'): LabelledImages {
  checkDir(dir);
  const prefix = split === 'train' ? 'train' : 't10k';
  const [images, imagesFile] = readFromDir(dir, `${prefix}-images-idx3-ubyte`, 3);
  const [labels, labelsFile] = readFromDir(dir, `${prefix}-labels-idx1-ubyte`, 1);
  return pairImages(images, imagesFile, labels, labelsFile);
}
