// Reading the IDX files where there is no file system: bytes the user picked, or fetched
// from a URL. Gzip is undone with the platform's DecompressionStream, no further than the
// size each file's header declares.

import { DataFileError, idxHeader, idxHeaderLength, inflatesTooFar, type LabelledImages, pairImages, parseIdx } from './idx.js';

export interface NamedBytes {
  name: string;
  bytes: ArrayBuffer | Uint8Array;
}

/**
 * The gzip stream expanded, no further than the length its IDX header declares: the header is
 * read from the first bytes out, and the stream is cancelled as soon as it runs past.
 */
async function gunzip(bytes: Uint8Array, name: string, rank: number): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let header: ReturnType<typeof idxHeader> | null = null;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new DataFileError(name, `corrupt gzip data (${(error as Error).message})`);
    }
    if (chunk.done) break;
    chunks.push(chunk.value);
    total += chunk.value.length;
    if (!header && total >= idxHeaderLength(rank)) header = idxHeader(joined(chunks, total), name, rank);
    if (header && total > header.byteLength) {
      await reader.cancel();
      throw inflatesTooFar(name, header);
    }
  }
  return joined(chunks, total);
}

function joined(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function readIdx({ name, bytes }: NamedBytes, rank: number) {
  let data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (data[0] === 0x1f && data[1] === 0x8b) data = await gunzip(data, name, rank);
  return parseIdx(data, name, rank);
}

const PREFIX = { train: 'train', test: 't10k' } as const;

/** The train or test split from a set of files named as Fashion-MNIST's (`.gz` or raw). */
export async function splitFromFiles(files: NamedBytes[], split: 'train' | 'test'): Promise<LabelledImages> {
  const find = (kind: string) => {
    const stem = `${PREFIX[split]}-${kind}`;
    const file = files.find((f) => f.name.replace(/^.*[\\/]/, '').startsWith(stem));
    if (!file) throw new DataFileError(`${stem}-ubyte.gz`, `not among the chosen files (${files.map((f) => f.name).join(', ') || 'none'})`);
    return file;
  };
  const images = find('images-idx3'),
    labels = find('labels-idx1');
  return pairImages(await readIdx(images, 3), images.name, await readIdx(labels, 1), labels.name);
}

/** The train or test split from `base` (a URL ending in '/'), trying `.gz` and then raw. */
export async function fetchSplit(base: string, split: 'train' | 'test'): Promise<LabelledImages> {
  const files: NamedBytes[] = [];
  for (const kind of ['images-idx3', 'labels-idx1']) {
    const tried: string[] = [];
    for (const name of [`${PREFIX[split]}-${kind}-ubyte.gz`, `${PREFIX[split]}-${kind}-ubyte`]) {
      const url = new URL(name, base).href;
      const response = await fetch(url);
      if (response.ok) {
        files.push({ name: url, bytes: await response.arrayBuffer() });
        break;
      }
      tried.push(`${url} (${response.status})`);
    }
    if (files.length === 0 || !files.at(-1)!.name.includes(kind)) throw new DataFileError(tried[0]!, `not served: ${tried.join(', ')}`);
  }
  return splitFromFiles(files, split);
}
