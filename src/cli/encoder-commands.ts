// What the command line does with a trained encoder: `embed` writes every picture's h and v,
// `search` lists the pictures nearest a query (cosine similarity of h), `export` writes the
// encoder's weights as safetensors under the names of the PyTorch module in
// python/sslgpu_torch.py. Each restores only the encoder of a checkpoint (readEncoder) and
// resizes the pictures to the size, channels and normalisation it was trained on.

import { type CheckpointEncoder, checkpointFormat, readEncoder, readRunCheckpoint } from '../checkpoint.js';
import type { ImageSet } from '../data/images.js';
import type { Backend } from '../engine/backend.js';
import { readFileBytes, writeFileAtomic } from '../engine/io/node-files.js';
import * as ops from '../engine/ops/index.js';
import { encodeEmbeddings } from '../formats/embeddings.js';
import { encodeSafetensors } from '../formats/safetensors.js';
import { type ImageFormat, toDevice } from '../method/data.js';
import { encodeSet } from '../method/embedding.js';
import { nearest } from '../method/knn.js';
import { torchTensors } from '../models/torch.js';
import { readImage, readImageFolder } from './images.js';

/** A checkpoint read, its metadata checked, before any backend starts. */
export interface CheckpointFile {
  path: string;
  bytes: Uint8Array;
  format: ImageFormat;
}

/** The checkpoint at `path`, and the images it was trained on (refused unless they have 1 or 3 channels). */
export function readCheckpointFile(path: string): CheckpointFile {
  const bytes = readFileBytes(path);
  const format = checkpointFormat(readRunCheckpoint(bytes, path), path);
  if (format.channels !== 1 && format.channels !== 3)
    throw new Error(`${path}: was trained on ${format.channels}-channel images; pictures have 1 or 3`);
  return { path, bytes, format };
}

/** The pictures of a folder as the checkpoint's encoder takes them: its size and channels (a usage error when there are none). */
export function picturesFor(file: CheckpointFile, dir: string): ImageSet {
  return readImageFolder(dir, file.format.height, file.format.channels as 1 | 3);
}

/** A query picture as the checkpoint's encoder takes it. */
export function queryFor(file: CheckpointFile, path: string): ImageSet {
  return readImage(path, file.format.height, file.format.channels as 1 | 3);
}

/** h (as pooled) and v of every picture of a set, in its order, read back. */
async function embedPictures(model: CheckpointEncoder, set: ImageSet, backend: Backend): Promise<{ h: Float32Array; v: Float32Array }> {
  const images = toDevice(set, backend, undefined, model.format);
  const { h, v } = encodeSet(model.encoder, images);
  try {
    return { h: Float32Array.from(await h.data()), v: Float32Array.from(await v.data()) };
  } finally {
    for (const t of [h, v, images.images]) t.dispose();
  }
}

const sizes = (model: CheckpointEncoder) => ({ hDim: model.encoder.backbone.features, vDim: model.config.dim });

/** `embed`: one row of h and v a picture, with its name, in the format `out`'s extension names. */
export async function embed(backend: Backend, file: CheckpointFile, set: ImageSet, dir: string, out: string): Promise<void> {
  const model = readEncoder(file.bytes, file.path, backend);
  try {
    const { h, v } = await embedPictures(model, set, backend);
    const written = encodeEmbeddings(out, { names: set.names, h, v, ...sizes(model) });
    for (const [path, bytes] of written) writeFileAtomic(path, bytes);
    const { hDim, vDim } = sizes(model);
    const paths = written.map(([path]) => path).join(', ');
    console.log(
      `${paths}: ${set.count} pictures of ${dir}, h of ${hDim} and v of ${vDim} values each (${file.path}, epoch ${model.epoch})`,
    );
  } finally {
    model.encoder.dispose();
  }
}

/** `search`: the `k` pictures of a folder nearest the query by the cosine similarity of h, most similar first. */
export async function search(
  backend: Backend,
  file: CheckpointFile,
  set: ImageSet,
  dir: string,
  probe: ImageSet,
  k: number,
): Promise<void> {
  const model = readEncoder(file.bytes, file.path, backend);
  try {
    const [pictures, asked] = [await embedPictures(model, set, backend), await embedPictures(model, probe, backend)];
    const { hDim } = sizes(model);
    const bank = ops.l2Normalize(ops.tensor(pictures.h, [set.count, hDim], { backend }), 1);
    const q = ops.l2Normalize(ops.tensor(asked.h, [1, hDim], { backend }), 1);
    const found = await nearest(bank, q, k);
    for (const t of [bank, q]) t.dispose();
    const query = probe.names[0];
    console.log(
      `the ${found.index.length} pictures of ${dir} nearest ${query} (cosine similarity of h; ${file.path}, epoch ${model.epoch}):`,
    );
    found.index.forEach((row, i) => {
      console.log(`${String(i + 1).padStart(4)}  ${found.similarity[i]!.toFixed(4)}  ${set.names[row]}`);
    });
  } finally {
    model.encoder.dispose();
  }
}

/** `export`: the encoder's weights and BatchNorm statistics as safetensors, with what PyTorch needs to rebuild it. */
export async function exportEncoder(backend: Backend, file: CheckpointFile, out: string): Promise<void> {
  const model = readEncoder(file.bytes, file.path, backend);
  try {
    const { config, format } = model;
    const metadata = {
      format: 'sslgpu-encoder',
      arch: config.arch,
      width: String(config.width),
      head: config.head,
      hidden: String(config.hidden),
      dim: String(config.dim),
      in_channels: String(format.channels),
      size: String(format.height),
      mean: JSON.stringify(format.mean),
      std: JSON.stringify(format.std),
      epoch: String(model.epoch),
    };
    const tensors = await torchTensors(model.encoder);
    writeFileAtomic(out, encodeSafetensors(tensors, metadata));
    console.log(
      `${out}: the ${config.arch} encoder of ${file.path} (epoch ${model.epoch}), ${tensors.length} tensors ` +
        '(python/sslgpu_torch.py loads it)',
    );
  } finally {
    model.encoder.dispose();
  }
}
