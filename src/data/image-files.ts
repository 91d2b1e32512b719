// A folder of PNG and JPEG files in Node, decoded by pure-JavaScript libraries (pngjs, jpeg-js:
// no native build) and resized once (src/data/images.ts). Every file under the folder that is
// not hidden is tried; one that is not a picture, or a damaged one, is skipped with its problem
// reported, and only a folder with no picture at all is refused.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataFileError } from './idx.js';
import { assembleImages, type DecodedImage, type ImageSet, type ResizedImage, resizedImage } from './images.js';

/** Larger pictures are skipped rather than decoded: 100 million pixels take 400 MB as RGBA. */
const MAX_PIXELS = 100e6;
const MAX_FILE_BYTES = 2 ** 28;
/** Subfolders deeper than this are not searched (a link that loops stops here). */
const MAX_DEPTH = 16;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/**
 * A JPEG file's EXIF orientation (1–8; 1 where it has none, or an Exif block this cannot read):
 * the Orientation tag (0x0112) of the first image directory in its APP1 "Exif" segment, which
 * cameras and phones write instead of turning the pixels.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // the segments before the image data: 0xFF, a marker, a big-endian length that counts itself
  for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff; ) {
    const marker = bytes[at + 1]!;
    const length = view.getUint16(at + 2);
    if (marker === 0xda || length < 2) break; // start of scan: no Exif before the image data
    const exif = at + 4; // "Exif\0\0", then a TIFF header and its directories
    if (marker === 0xe1 && length >= 16 && exif + length - 2 <= bytes.length && view.getUint32(exif) === 0x45786966) {
      const tiff = exif + 6;
      const little = view.getUint16(tiff) === 0x4949; // "II": Intel's byte order; "MM": Motorola's
      const directory = tiff + view.getUint32(tiff + 4, little);
      const end = exif + length - 2;
      if (directory + 2 > end) return 1;
      const entries = view.getUint16(directory, little);
      for (let i = 0; i < entries && directory + 2 + 12 * (i + 1) <= end; i++) {
        const entry = directory + 2 + 12 * i;
        if (view.getUint16(entry, little) !== 0x0112) continue;
        const orientation = view.getUint16(entry + 8, little); // a SHORT, at the start of the value field
        return orientation >= 1 && orientation <= 8 ? orientation : 1;
      }
      return 1;
    }
    at += 2 + length;
  }
  return 1;
}

/** A PNG or JPEG file's pixels as RGBA; throws an Error saying what is wrong with it (not naming it). */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const tooLarge = (width: number, height: number) => {
    if (width * height > MAX_PIXELS) throw new Error(`${width}×${height} pixels, more than the ${MAX_PIXELS / 1e6} million read`);
  };
  if (startsWith(bytes, PNG_SIGNATURE)) {
    if (bytes.length < 24) throw new Error('a truncated PNG file');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    tooLarge(view.getUint32(16), view.getUint32(20));
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } catch (error) {
      throw new Error(`a damaged or truncated PNG file (${(error as Error).message})`);
    }
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) {
    try {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_PIXELS / 1e6,
        maxMemoryUsageInMB: 1024,
      });
      return { width: image.width, height: image.height, rgba: image.data, orientation: jpegOrientation(bytes) };
    } catch (error) {
      throw new Error(`a damaged or truncated JPEG file (${(error as Error).message})`);
    }
  }
  throw new Error('not a PNG or JPEG image');
}

/** Every file under `dir` that is not hidden, as paths relative to it ('/' between the parts), sorted. */
function listFiles(dir: string, prefix = '', depth = 0): string[] {
  const names = readdirSync(join(dir, prefix)).filter((name) => !name.startsWith('.'));
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // by code unit: the same order in every locale
  return names.flatMap((name) => {
    const path = prefix ? `${prefix}/${name}` : name;
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(join(dir, path));
    } catch {
      return [path]; // a broken link: reported as unreadable
    }
    if (stat.isDirectory()) return depth < MAX_DEPTH ? listFiles(dir, path, depth + 1) : [];
    return stat.isFile() ? [path] : [];
  });
}

/** Refuses a folder that is not there or is a file, naming it. */
function checkFolder(dir: string): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new DataFileError(dir, code === 'ENOENT' ? 'no such folder' : `cannot be read (${code ?? (error as Error).message})`);
  }
  if (!stat.isDirectory()) throw new DataFileError(dir, 'is a file, where a folder of images is expected');
}

/** One picture file, decoded and resized; throws an Error with the problem (the caller names the file). */
function readPicture(path: string, name: string, size: number): ResizedImage {
  let bytes: Uint8Array;
  try {
    const { size: length } = statSync(path);
    if (length > MAX_FILE_BYTES) throw new Error(`${length} bytes, more than an image file this reader takes`);
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw code ? new Error(`cannot be read (${code})`) : error;
  }
  return resizedImage(name, decodeImage(bytes), size);
}

export interface ImageFolderOptions {
  /** The side every picture is resized to. */
  size: number;
  /** 1 or 3 channels whatever the pictures are (default: 1 when every picture is gray, else 3). */
  channels?: 1 | 3;
  /** Hears each file skipped, and why. */
  onSkip?: (file: string, problem: string) => void;
  /** Hears the progress: files tried, of how many. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The PNG and JPEG files under `dir` (subfolders included; names sorted), each picture's centre
 * square resized to size×size. The first part of each path is its class when every picture
 * lies in a subfolder. A file that is not a picture is skipped (onSkip hears it); a folder
 * without a picture is a DataFileError naming it.
 */
export function loadImageFolder(dir: string, options: ImageFolderOptions): ImageSet {
  checkFolder(dir);
  const files = listFiles(dir);
  const pictures: ResizedImage[] = [];
  for (const [i, name] of files.entries()) {
    try {
      pictures.push(readPicture(join(dir, name), name, options.size));
    } catch (error) {
      options.onSkip?.(join(dir, name), (error as Error).message);
    }
    options.onProgress?.(i + 1, files.length);
  }
  if (pictures.length === 0) {
    const tried =
      files.length === 0 ? 'is empty' : `holds no PNG or JPEG image (${files.length} file${files.length > 1 ? 's' : ''} skipped)`;
    throw new DataFileError(dir, tried);
  }
  return assembleImages(pictures, options.size, dir, options.channels);
}

/** One picture file as a set of one image (a query), of `channels` channels. */
export function loadImageFile(path: string, size: number, channels: 1 | 3): ImageSet {
  let picture: ResizedImage;
  try {
    picture = readPicture(path, path, size);
  } catch (error) {
    throw new DataFileError(path, (error as Error).message);
  }
  return assembleImages([{ ...picture, label: null }], size, path, channels);
}
