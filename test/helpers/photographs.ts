// Real colour photographs for the tests of --images, embed, search and the page: the twelve
// nature photographs that Debian's mate-backgrounds package installs (camera JPEGs, 1280×1024 to
// 2560×1920, GPL-2+; scripts/setup.sh installs the package). Each photograph is a class: the
// file itself, beside four pieces cut from it at random places and sizes (from a copy a quarter
// the size, so the pieces are a few hundred pixels a side), two saved as JPEG and two as PNG.
// Telling which photograph a piece comes from is a small retrieval task with real pixels.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { seededRandom } from './oracle.js';
import type { PictureFolder } from './pictures.js';

const PHOTOGRAPHS = '/usr/share/backgrounds/mate/nature';

/** Why the photographs cannot be used here, or null. */
export function photographsMissing(): string | null {
  return existsSync(PHOTOGRAPHS) ? null : `${PHOTOGRAPHS} is missing: run \`npm run setup\` (Debian's mate-backgrounds)`;
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** `image` shrunk by an integer `factor` in each direction, each pixel the mean of its factor×factor block. */
function shrink(image: Rgba, factor: number): Rgba {
  const [width, height] = [Math.floor(image.width / factor), Math.floor(image.height / factor)];
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) sum += image.data[4 * ((y * factor + dy) * image.width + x * factor + dx) + c]!;
        }
        data[4 * (y * width + x) + c] = Math.round(sum / (factor * factor));
      }
    }
  }
  return { width, height, data };
}

function crop(image: Rgba, left: number, top: number, width: number, height: number): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    data.set(image.data.subarray(4 * ((top + y) * image.width + left), 4 * ((top + y) * image.width + left + width)), 4 * y * width);
  }
  return { width, height, data };
}

function encode(image: Rgba, format: 'jpg' | 'png'): Uint8Array {
  if (format === 'jpg') return jpeg.encode({ ...image, data: Buffer.from(image.data) }, 90).data;
  const png = new PNG({ width: image.width, height: image.height });
  png.data.set(image.data);
  return PNG.sync.write(png);
}

/** The photographs folder: `<photograph>/photo.jpg` and `<photograph>/piece-{0..3}.{jpg,png}`, sorted as the reader sorts them. */
export function photographFolder(): PictureFolder {
  const dir = mkdtempSync(join(tmpdir(), 'photographs-'));
  const random = seededRandom(29);
  const names: string[] = [];
  for (const file of readdirSync(PHOTOGRAPHS).filter((name) => name.endsWith('.jpg'))) {
    const stem = file.replace(/\.jpg$/, '');
    mkdirSync(join(dir, stem));
    copyFileSync(join(PHOTOGRAPHS, file), join(dir, stem, 'photo.jpg'));
    names.push(`${stem}/photo.jpg`);
    const quarter = shrink(jpeg.decode(readFileSync(join(PHOTOGRAPHS, file)), { useTArray: true, maxMemoryUsageInMB: 1024 }), 4);
    for (let k = 0; k < 4; k++) {
      const [width, height] = [quarter.width, quarter.height].map((side) => Math.round(side * (0.4 + 0.4 * random()))) as [number, number];
      const [left, top] = [Math.floor(random() * (quarter.width - width)), Math.floor(random() * (quarter.height - height))];
      const format = k % 2 === 0 ? 'jpg' : 'png';
      writeFileSync(join(dir, stem, `piece-${k}.${format}`), encode(crop(quarter, left, top, width, height), format));
      names.push(`${stem}/piece-${k}.${format}`);
    }
  }
  return { dir, names: names.sort(), bad: [] };
}
