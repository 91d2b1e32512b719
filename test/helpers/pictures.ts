// Folders of pictures for the tests of --images, embed, search and export: colour PNG and JPEG
// files of different sizes made here (discs and stripes, with pngjs and jpeg-js), beside the
// colour icons that Debian packages install at many sizes (chromium's, from the chromium
// package that scripts/setup.sh installs, and debconf's Debian logo), one class a subfolder.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { seededRandom } from './oracle.js';

/** Debian's colour icons, where their packages are installed: the chromium package's at seven sizes, debconf's logo. */
const DEBIAN_ICONS = [
  ...[16, 24, 32, 48, 64, 128, 256].map((size) => `/usr/share/icons/hicolor/${size}x${size}/apps/chromium.png`),
  '/usr/share/pixmaps/debian-logo.png',
].filter((path) => existsSync(path));

type Paint = (x: number, y: number) => [number, number, number];

/** An RGBA picture of width×height painted by `paint`. */
function picture(width: number, height: number, paint: Paint): { width: number; height: number; data: Buffer } {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...paint(x / width, y / height), 255], 4 * (y * width + x));
    }
  }
  return { width, height, data };
}

export function pngBytes(width: number, height: number, paint: Paint): Uint8Array {
  const png = new PNG({ width, height });
  picture(width, height, paint).data.copy(png.data);
  return PNG.sync.write(png);
}

export function jpegBytes(width: number, height: number, paint: Paint): Uint8Array {
  return jpeg.encode(picture(width, height, paint), 90).data;
}

/**
 * The JPEG with an APP1 Exif segment after its first segment (jpeg-js writes JFIF's APP0 first),
 * holding one directory entry: Orientation = `orientation`, in either byte order.
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number, little: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(26));
  tiff.setUint16(0, little ? 0x4949 : 0x4d4d);
  tiff.setUint16(2, 42, little);
  tiff.setUint32(4, 8, little); // the first directory, right after the header
  tiff.setUint16(8, 1, little); // one entry: tag, type SHORT, count 1, value
  tiff.setUint16(10, 0x0112, little);
  tiff.setUint16(12, 3, little);
  tiff.setUint32(14, 1, little);
  tiff.setUint16(18, orientation, little);
  const body = [...new TextEncoder().encode('Exif\0\0'), ...new Uint8Array(tiff.buffer)];
  const after = 4 + ((jpeg[4]! << 8) | jpeg[5]!);
  if (jpeg[2] !== 0xff || jpeg[3] !== 0xe0) throw new Error('expected a JFIF APP0 segment first');
  const segment = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  return Uint8Array.from([...jpeg.subarray(0, after), ...segment, ...jpeg.subarray(after)]);
}

/** Sizes that differ picture to picture: wide, tall, small and large. */
const SIZES: [number, number][] = [
  [40, 30],
  [64, 64],
  [50, 72],
  [33, 33],
  [90, 60],
  [28, 44],
  [120, 80],
  [20, 20],
];

/** What the pictures folder holds, by class, in the order the reader lists them. */
export interface PictureFolder {
  dir: string;
  /** The pictures' paths in the folder, sorted as the reader sorts them. */
  names: string[];
  /** The files that are not pictures (skipped with a warning). */
  bad: string[];
}

/**
 * discs/ (PNG: a reddish disc on a dark ground, one of them gray), stripes/ (JPEG: blue and
 * green stripes), icons/ (Debian's icons, where installed), each picture its own size; a
 * truncated JPEG and a text file among them.
 */
export function pictureFolder(): PictureFolder {
  const dir = mkdtempSync(join(tmpdir(), 'pictures-'));
  const random = seededRandom(17);
  const files: Record<string, Uint8Array> = {};
  for (const [i, [w, h]] of SIZES.entries()) {
    const [cx, cy, r, tint] = [0.3 + 0.4 * random(), 0.3 + 0.4 * random(), 0.2 + 0.15 * random(), random()];
    const disc: Paint = (x, y) => ((x - cx) ** 2 + (y - cy) ** 2 < r * r ? [200 + 55 * tint, 60 * tint, 40] : [20, 30, 40 * tint]);
    const gray: Paint = (x, y) => {
      const [v] = disc(x, y);
      return [v, v, v];
    };
    files[`discs/disc-${i}.png`] = pngBytes(w, h, i === 5 ? gray : disc);
    const [period, phase] = [0.1 + 0.2 * random(), random()];
    files[`stripes/stripe-${i}.jpg`] = jpegBytes(h, w, (x, y) =>
      ((x + 0.5 * y) / period + phase) % 1 < 0.5 ? [30, 80, 220] : [40, 200, 90],
    );
  }
  files['stripes/broken.jpg'] = files['stripes/stripe-1.jpg']!.subarray(0, 300);
  files['discs/notes.txt'] = new TextEncoder().encode('not a picture\n');
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  mkdirSync(join(dir, 'icons'));
  const icons = DEBIAN_ICONS.map((path, i) => `icons/${String(i).padStart(2, '0')}-${path.split('/').at(-1)}`);
  DEBIAN_ICONS.forEach((path, i) => {
    copyFileSync(path, join(dir, icons[i]!));
  });
  const bad = ['discs/notes.txt', 'stripes/broken.jpg'];
  const names = [...Object.keys(files), ...icons].filter((name) => !bad.includes(name)).sort();
  return { dir, names, bad };
}
