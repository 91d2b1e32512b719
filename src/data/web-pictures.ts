// A folder of pictures where there is no file system: the files a page was given (picked or
// dropped), decoded by the browser itself (createImageBitmap, then an OffscreenCanvas for the
// pixels), in a page or a worker, and made one set as in Node (src/data/images.ts).

import { assembleImages, type DecodedImage, type ImageSet, type ResizedImage, resizedImage } from './images.js';
import type { NamedBytes } from './web-files.js';

/** One picture's RGBA pixels, as the browser decodes it; throws where it cannot. */
async function decodeInBrowser(bytes: ArrayBuffer | Uint8Array): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    imageOrientation: 'from-image', // EXIF orientation, as image-files.ts applies it in Node
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bitmap.close();
  }
}

/**
 * Files named by their paths in a folder as one set of pictures of size×size (classes from the
 * first part of each path, as in Node); a file the browser cannot decode is skipped, and
 * `onSkip` hears it. The names are sorted as Node sorts them.
 */
export async function picturesFromFiles(files: NamedBytes[], size: number, onSkip: (name: string) => void): Promise<ImageSet> {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pictures: ResizedImage[] = [];
  for (const { name, bytes } of sorted) {
    try {
      pictures.push(resizedImage(name, await decodeInBrowser(bytes), size));
    } catch {
      onSkip(name);
    }
  }
  return assembleImages(pictures, size, 'the folder');
}
