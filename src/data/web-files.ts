// Reading the IDX files where there is no file system: bytes the user picked, or fetched
// from a URL. Gzip is undone with the platform's DecompressionStream.

import { DataFileError, type LabelledImages, pairImages, parseIdx } from './idx.js';

export interface NamedBytes {
  name: string;
  bytes: ArrayBuffer | Uint8Array;
}

async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new DataFileError(name, `corrupt gzip data (${(error as Error).message})`);
  }
}

async function readIdx({ name, bytes }: NamedBytes, rank: number) {
  let data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (data[0] === 0x1f && data[1] === 0x8b) data = await gunzip(data, name);
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
