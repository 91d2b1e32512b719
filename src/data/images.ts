// A folder of pictures as a training set, wherever the pictures were decoded (in Node by
// src/data/image-files.ts, in a page by the browser): each picture's centre square resized once
// to size×size, kept as colour planes until every picture is known, then one set of 1 channel
// (every picture gray) or 3, with the names, the classes (subfolders) and the labels.

import { DataFileError, type LabelledImages } from './idx.js';

/** A decoded picture: 8-bit RGBA, row after row. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
  /**
   * Its EXIF orientation (1–8), still to be applied to the pixels; absent or 1: they are upright.
   * Browsers apply it while decoding; Node's decoders do not, so image-files.ts reads it.
   */
  orientation?: number;
}

/** One picture, resized: its red, green and blue planes (size×size each), and whether it is gray. */
export interface ResizedImage {
  /** Its path in the folder, with '/' between the parts. */
  name: string;
  /** Its subfolder (the first part of its path), or null for a picture at the top. */
  label: string | null;
  planes: Uint8Array;
  gray: boolean;
}

/** A folder's pictures on one grid: LabelledImages with the names and classes beside. */
export interface ImageSet extends LabelledImages {
  channels: number;
  /** Each picture's path in the folder, in the order of the pixels. */
  names: string[];
  /** The subfolders, sorted; labels index them. Empty when the pictures are not all in subfolders. */
  classes: string[];
}

/** More classes than an 8-bit label holds. */
const MAX_CLASSES = 256;

/**
 * Where output index o (of `size`) takes its value along one axis of a `length`-pixel window
 * starting at `offset`: shrinking (length ≥ size), the average of the source pixels it covers,
 * each weighted by the share of it covered (area); enlarging, bilinear between the two nearest
 * pixel centres, edges clamped.
 */
function axisTaps(offset: number, length: number, size: number, o: number): { first: number; weights: number[] } {
  const scale = length / size;
  if (length >= size) {
    const start = o * scale,
      end = (o + 1) * scale;
    const first = Math.floor(start);
    const weights: number[] = [];
    for (let k = first; k < end; k++) weights.push((Math.min(end, k + 1) - Math.max(start, k)) / scale);
    return { first: offset + first, weights };
  }
  const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), length - 1);
  const first = Math.min(Math.floor(x), length - 2);
  return length === 1 ? { first: offset, weights: [1] } : { first: offset + first, weights: [1 - (x - first), x - first] };
}

/**
 * The picture's centre square (side min(width, height), at ⌊(width − side)/2⌋, ⌊(height − side)/2⌋)
 * resized to size×size: area averaging when shrinking, bilinear when enlarging, rounded to 8
 * bits; three planes (r, g, b). Alpha is dropped (as PIL's convert('RGB') does).
 */
export function resizeSquare(image: DecodedImage, size: number): Uint8Array {
  const side = Math.min(image.width, image.height);
  const left = Math.floor((image.width - side) / 2),
    top = Math.floor((image.height - side) / 2);
  const columns = Array.from({ length: size }, (_, o) => axisTaps(left, side, size, o));
  const rows = Array.from({ length: size }, (_, o) => axisTaps(top, side, size, o));
  // columns first: every source row of the square, resized across
  const across = new Float64Array(3 * side * size);
  for (let y = 0; y < side; y++) {
    const row = (top + y) * image.width;
    for (let j = 0; j < size; j++) {
      const { first, weights } = columns[j]!;
      let r = 0,
        g = 0,
        b = 0;
      for (let k = 0; k < weights.length; k++) {
        const at = 4 * (row + first + k);
        r += weights[k]! * image.rgba[at]!;
        g += weights[k]! * image.rgba[at + 1]!;
        b += weights[k]! * image.rgba[at + 2]!;
      }
      for (const [c, v] of [r, g, b].entries()) across[(c * side + y) * size + j] = v;
    }
  }
  const planes = new Uint8Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < size; i++) {
      const { first, weights } = rows[i]!;
      for (let j = 0; j < size; j++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k]! * across[(c * side + first - top + k) * size + j]!;
        planes[(c * size + i) * size + j] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return planes;
}

/** Whether every pixel of the picture has red = green = blue. */
export function isGray(image: DecodedImage): boolean {
  const { rgba } = image;
  for (let at = 0; at < rgba.length; at += 4) if (rgba[at] !== rgba[at + 1] || rgba[at] !== rgba[at + 2]) return false;
  return true;
}

/**
 * Square planes (size×size each) turned upright from an EXIF orientation: 2 mirrors, 3 turns
 * half way, 4 flips, 5 transposes, 6 turns a quarter clockwise, 7 transposes the other
 * diagonal, 8 turns a quarter anticlockwise. A square's centre is where it was, so orienting
 * the resized centre square equals taking the centre square of the oriented picture, to a
 * pixel of the crop where the picture's sides differ by an odd number; and it costs size² a
 * plane rather than a photograph's millions of pixels.
 */
export function orientSquare(planes: Uint8Array, size: number, orientation: number): Uint8Array {
  if (orientation < 2 || orientation > 8) return planes;
  const last = size - 1;
  // where the upright pixel (x, y) is in the stored square
  const from = [
    (x: number, y: number) => y * size + (last - x),
    (x: number, y: number) => (last - y) * size + (last - x),
    (x: number, y: number) => (last - y) * size + x,
    (x: number, y: number) => x * size + y,
    (x: number, y: number) => (last - x) * size + y,
    (x: number, y: number) => (last - x) * size + (last - y),
    (x: number, y: number) => x * size + (last - y),
  ][orientation - 2]!;
  const upright = new Uint8Array(planes.length);
  for (let plane = 0; plane < planes.length; plane += size * size)
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) upright[plane + y * size + x] = planes[plane + from(x, y)]!;
  return upright;
}

/** One decoded picture of a folder, resized (resizeSquare), turned upright (orientSquare) and tagged. */
export function resizedImage(name: string, image: DecodedImage, size: number): ResizedImage {
  const slash = name.indexOf('/');
  const planes = orientSquare(resizeSquare(image, size), size, image.orientation ?? 1);
  return { name, label: slash > 0 ? name.slice(0, slash) : null, planes, gray: isGray(image) };
}

/** The luminance SimCLR's grayscale uses (src/method/kernels.ts): 0.2989 r + 0.587 g + 0.114 b. */
const luminance = (r: number, g: number, b: number) => Math.min(255, Math.round(0.2989 * r + 0.587 * g + 0.114 * b));

/**
 * The pictures as one set of `channels` planes (default: 1 when every picture is gray, else 3;
 * gray pictures in a colour set repeat their plane, colour ones in a gray set become their
 * luminance). Labelled by subfolder when every picture lies in one (classes sorted), else
 * unlabelled (classes empty, labels 0). `source` names the folder in messages.
 */
export function assembleImages(images: readonly ResizedImage[], size: number, source: string, channels?: 1 | 3): ImageSet {
  if (images.length === 0) throw new DataFileError(source, 'holds no PNG or JPEG image');
  const count = images.length,
    plane = size * size;
  const depth = channels ?? (images.every((image) => image.gray) ? 1 : 3);
  const pixels = new Uint8Array(count * depth * plane);
  images.forEach(({ planes }, n) => {
    if (depth === 3) pixels.set(planes, n * 3 * plane);
    else {
      const out = pixels.subarray(n * plane, (n + 1) * plane);
      for (let k = 0; k < plane; k++) out[k] = luminance(planes[k]!, planes[plane + k]!, planes[2 * plane + k]!);
    }
  });
  const labelled = images.every((image) => image.label !== null);
  const classes = labelled ? [...new Set(images.map((image) => image.label!))].sort() : [];
  if (classes.length > MAX_CLASSES)
    throw new DataFileError(source, `has ${classes.length} subfolders (classes); at most ${MAX_CLASSES} are labels`);
  const index = new Map(classes.map((name, i) => [name, i]));
  const labels = Uint8Array.from(images, (image) => (labelled ? index.get(image.label!)! : 0));
  return {
    pixels,
    labels,
    count,
    height: size,
    width: size,
    channels: depth,
    names: images.map((image) => image.name),
    classes,
    file: source,
  };
}

/** The mean and the (population) deviation of each channel's values, as fractions of 255. */
export function channelStats(set: Pick<LabelledImages, 'pixels' | 'count' | 'height' | 'width' | 'channels'>): {
  mean: number[];
  std: number[];
} {
  const channels = set.channels ?? 1,
    plane = set.height * set.width;
  const mean: number[] = [],
    std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0,
      squares = 0;
    for (let n = 0; n < set.count; n++) {
      const values = set.pixels.subarray((n * channels + c) * plane, (n * channels + c + 1) * plane);
      for (const v of values) {
        sum += v;
        squares += v * v;
      }
    }
    const values = set.count * plane;
    const m = sum / values;
    mean.push(m / 255);
    // a set of one flat colour has no spread: 1 keeps its values as they are
    std.push(Math.sqrt(Math.max(squares / values - m * m, 0)) / 255 || 1);
  }
  return { mean, std };
}
