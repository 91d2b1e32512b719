// Embeddings of named images as files other tools read, by the output's extension:
//   .npy    h as float32 [N, dh] in the file, v [N, d] beside it (<stem>.v.npy), the names one a line
//           in <stem>.names.txt (numpy.load, and names = open(…).read().splitlines())
//   .csv    a header (name, h0…, v0…), then one row an image, the name quoted where it must be
//   .jsonl  one JSON object an image: {"name", "h": […], "v": […]}
// The text formats write each value with nine significant digits, which give the float32 back.

import { encodeNpy } from './npy.js';

export const EMBEDDING_FORMATS = ['.npy', '.csv', '.jsonl'] as const;

export interface Embeddings {
  names: readonly string[];
  /** Rows of h, N × hDim. */
  h: Float32Array;
  hDim: number;
  /** Rows of v, N × vDim. */
  v: Float32Array;
  vDim: number;
}

/** A CSV field: quoted (RFC 4180) when it holds a comma, a quote or a line break. */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** The file name `out` minus `.npy`, for the files beside it. */
const stem = (out: string) => out.replace(/\.npy$/i, '');

/** The format an output path names by its extension, or null for none of EMBEDDING_FORMATS. */
export function embeddingFormat(out: string): (typeof EMBEDDING_FORMATS)[number] | null {
  const extension = /\.[^./\\]+$/.exec(out)?.[0].toLowerCase();
  return EMBEDDING_FORMATS.find((format) => format === extension) ?? null;
}

/** The files an output path `out` stands for, by its extension: [path, bytes] each. */
export function encodeEmbeddings(out: string, e: Embeddings): [string, Uint8Array][] {
  const n = e.names.length;
  // nine significant digits give every float32 back exactly
  const rows = (values: Float32Array, dim: number, i: number) =>
    Array.from(values.subarray(i * dim, (i + 1) * dim), (x) => Number(x.toPrecision(9)));
  const text = (s: string) => new TextEncoder().encode(s);
  const extension = embeddingFormat(out);
  if (extension === '.npy') {
    return [
      [out, encodeNpy(e.h, [n, e.hDim])],
      [`${stem(out)}.v.npy`, encodeNpy(e.v, [n, e.vDim])],
      [`${stem(out)}.names.txt`, text(e.names.map((name) => `${name}\n`).join(''))],
    ];
  }
  if (extension === '.csv') {
    const header = ['name', ...Array.from({ length: e.hDim }, (_, j) => `h${j}`), ...Array.from({ length: e.vDim }, (_, j) => `v${j}`)];
    const lines = e.names.map((name, i) => [csvField(name), ...rows(e.h, e.hDim, i), ...rows(e.v, e.vDim, i)].join(','));
    return [[out, text(`${[header.join(','), ...lines].join('\n')}\n`)]];
  }
  if (extension === '.jsonl') {
    const lines = e.names.map((name, i) => JSON.stringify({ name, h: rows(e.h, e.hDim, i), v: rows(e.v, e.vDim, i) }));
    return [[out, text(lines.map((line) => `${line}\n`).join(''))]];
  }
  throw new Error(`${out}: the embeddings' format is told by the extension: ${EMBEDDING_FORMATS.join(', ')}`);
}
