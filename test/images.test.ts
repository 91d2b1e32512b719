// Folders of pictures: decoding, the one resize (area when shrinking, bilinear when enlarging),
// gray or colour sets, classes from subfolders, the held-out fifth, the per-channel statistics,
// and the files embeddings and exported weights are written in.
import { describe, expect, it } from 'vitest';
import { DataFileError } from '../src/data/idx.js';
import { decodeImage, jpegOrientation, loadImageFolder } from '../src/data/image-files.js';
import { assembleImages, channelStats, type DecodedImage, isGray, orientSquare, resizedImage, resizeSquare } from '../src/data/images.js';
import { encodeEmbeddings } from '../src/formats/embeddings.js';
import { encodeNpy } from '../src/formats/npy.js';
import { encodeSafetensors } from '../src/formats/safetensors.js';
import { holdOut } from '../src/method/data.js';
import { Encoder } from '../src/method/encoder.js';
import { DEFAULTS } from '../src/method/train.js';
import { torchName } from '../src/models/torch.js';
import { ReferenceBackend } from '../src/node.js';
import { jpegBytes, pictureFolder, pngBytes, withExifOrientation } from './helpers/pictures.js';

/** A width×height RGBA picture with pixel (x, y) = [r, g, b] of `paint`. */
function decoded(width: number, height: number, paint: (x: number, y: number) => number[]): DecodedImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set([...paint(x, y), 255], 4 * (y * width + x));
  return { width, height, rgba };
}

describe('resizing', () => {
  it('shrinks by area: each output the mean of the pixels it covers', () => {
    const image = decoded(4, 4, (x, y) => [10 * (y * 4 + x), 0, 255]);
    const planes = resizeSquare(image, 2);
    expect(Array.from(planes.subarray(0, 4))).toEqual([25, 45, 105, 125]); // (0 + 10 + 40 + 50) / 4 …
    expect(Array.from(planes.subarray(8, 12))).toEqual([255, 255, 255, 255]);
    // a third of a pixel's share where the output grid does not meet the input's
    const three = resizeSquare(
      decoded(3, 3, (x) => [x === 1 ? 90 : 0, 0, 0]),
      2,
    );
    expect(Array.from(three.subarray(0, 4))).toEqual([30, 30, 30, 30]);
  });

  it('takes the centre square of a wide or tall picture, and keeps a picture of the size as it is', () => {
    const wide = decoded(6, 2, (x) => [x * 40, 0, 0]);
    expect(Array.from(resizeSquare(wide, 2).subarray(0, 4))).toEqual([80, 120, 80, 120]); // columns 2 and 3
    const tall = decoded(2, 5, (_, y) => [y * 50, 0, 0]);
    expect(Array.from(resizeSquare(tall, 2).subarray(0, 4))).toEqual([50, 50, 100, 100]); // rows 1 and 2
    const same = decoded(3, 3, (x, y) => [x + 3 * y, 7, 9]);
    expect(Array.from(resizeSquare(same, 3).subarray(0, 9))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('turns a square upright from each EXIF orientation', () => {
    // marks at the stored top-left (1) and top-right (2) corners; where each lands fixes the turn
    const size = 3;
    const stored = new Uint8Array(3 * size * size);
    stored[0] = 1;
    stored[size - 1] = 2;
    stored[size * size] = 3; // the green plane turns with the red one
    const corners = { tl: 0, tr: size - 1, bl: size * (size - 1), br: size * size - 1 };
    const expected: Record<number, [keyof typeof corners, keyof typeof corners]> = {
      1: ['tl', 'tr'],
      2: ['tr', 'tl'], // mirrored
      3: ['br', 'bl'], // half a turn
      4: ['bl', 'br'], // flipped
      5: ['tl', 'bl'], // transposed
      6: ['tr', 'br'], // a quarter clockwise
      7: ['br', 'tr'], // transposed across the other diagonal
      8: ['bl', 'tl'], // a quarter anticlockwise
    };
    for (const [orientation, [one, two]] of Object.entries(expected)) {
      const upright = orientSquare(stored, size, Number(orientation));
      expect([upright.indexOf(1), upright.indexOf(2), upright.indexOf(3)], `orientation ${orientation}`).toEqual([
        corners[one],
        corners[two],
        size * size + corners[one],
      ]);
    }
    expect(orientSquare(stored, size, 0)).toBe(stored); // absent or unknown: as stored
  });

  it('enlarges bilinearly between pixel centres, edges clamped', () => {
    const image = decoded(2, 2, (x) => [x * 100, 0, 0]);
    // output centres at 0.25 and 0.75 of the side: source x = -0.25 → 0 (clamped), 0.25, 0.75, 1.25 → 1
    expect(Array.from(resizeSquare(image, 4).subarray(0, 4))).toEqual([0, 25, 75, 100]);
  });

  it('tells gray pictures from colour ones', () => {
    expect(isGray(decoded(3, 2, (x) => [x, x, x]))).toBe(true);
    expect(isGray(decoded(3, 2, (x) => [x, x, x + (x === 2 ? 1 : 0)]))).toBe(false);
  });
});

describe('sets of pictures', () => {
  const gray = (name: string, v: number) =>
    resizedImage(
      name,
      decoded(4, 4, () => [v, v, v]),
      4,
    );
  const colour = (name: string) =>
    resizedImage(
      name,
      decoded(4, 4, () => [200, 100, 0]),
      4,
    );

  it('is one channel when every picture is gray, three (gray ones repeated) when one is colour', () => {
    const grays = assembleImages([gray('a/1.png', 10), gray('a/2.png', 20)], 4, 'dir');
    expect([grays.channels, grays.pixels.length, grays.pixels[16]]).toEqual([1, 32, 20]);
    const mixed = assembleImages([gray('a/1.png', 10), colour('b/2.png')], 4, 'dir');
    expect([mixed.channels, mixed.pixels.length]).toEqual([3, 96]);
    expect([mixed.pixels[0], mixed.pixels[16], mixed.pixels[32], mixed.pixels[48], mixed.pixels[64], mixed.pixels[80]]).toEqual([
      10, 10, 10, 200, 100, 0,
    ]);
    // a colour picture for a one-channel encoder: its luminance
    expect(assembleImages([colour('x.png')], 4, 'dir', 1).pixels[0]).toBe(Math.round(0.2989 * 200 + 0.587 * 100));
  });

  it('labels by subfolder when every picture is in one, and holds a seeded fifth of each class out', () => {
    const names = [...Array.from({ length: 10 }, (_, i) => `cats/${i}.png`), ...Array.from({ length: 6 }, (_, i) => `dogs/${i}.png`)];
    const set = assembleImages(
      names.map((name, i) => gray(name, i)),
      4,
      'dir',
    );
    expect(set.classes).toEqual(['cats', 'dogs']);
    expect(Array.from(set.labels)).toEqual([...Array(10).fill(0), ...Array(6).fill(1)]);
    const { train, test } = holdOut(set, 0);
    expect([train.count, test.count]).toEqual([13, 3]); // 2 cats and 1 dog
    expect(Array.from(test.labels).sort()).toEqual([0, 0, 1]);
    expect([...train.names, ...test.names].sort()).toEqual([...names].sort());
    expect(holdOut(set, 0).test.names).toEqual(test.names);
    expect(holdOut(set, 1).test.names).not.toEqual(test.names);
    const loose = assembleImages([gray('top.png', 1), gray('cats/1.png', 2)], 4, 'dir');
    expect(loose.classes).toEqual([]);
  });

  it('computes each channel mean and deviation as fractions of 255', () => {
    const set = assembleImages([gray('1.png', 0), gray('2.png', 255)], 4, 'dir');
    expect(channelStats(set)).toEqual({ mean: [0.5], std: [0.5] });
    expect(channelStats(assembleImages([gray('1.png', 51)], 4, 'dir'))).toEqual({ mean: [0.2], std: [1] }); // flat: no spread
  });

  it('refuses no pictures, and more classes than a label holds', () => {
    expect(() => assembleImages([], 4, 'dir')).toThrow(new DataFileError('dir', 'holds no PNG or JPEG image'));
    const many = Array.from({ length: 257 }, (_, i) => gray(`c${i}/1.png`, 0));
    expect(() => assembleImages(many, 4, 'dir')).toThrow('dir: has 257 subfolders (classes); at most 256 are labels');
  });
});

describe('decoding', () => {
  it('reads PNG and JPEG, and says what is wrong with anything else', () => {
    const png = decodeImage(pngBytes(5, 3, (x) => [x * 250, 0, 9]));
    expect([png.width, png.height, png.rgba[4], png.rgba[6], png.rgba[7]]).toEqual([5, 3, 50, 9, 255]);
    const jpg = decodeImage(jpegBytes(8, 6, () => [200, 40, 40]));
    expect([jpg.width, jpg.height]).toEqual([8, 6]);
    expect(Math.abs(jpg.rgba[0]! - 200)).toBeLessThan(8);
    expect(() => decodeImage(new TextEncoder().encode('hello'))).toThrow('not a PNG or JPEG image');
    const whole = pngBytes(30, 30, () => [1, 2, 3]);
    expect(() => decodeImage(whole.subarray(0, whole.length - 30))).toThrow(/^a damaged or truncated PNG file/);
    const photo = jpegBytes(30, 30, (x, y) => [x * 255, y * 255, 0]);
    expect(() => decodeImage(photo.subarray(0, 400))).toThrow(/^a damaged or truncated JPEG file/);
  });

  it("reads a JPEG's EXIF orientation in either byte order and turns the picture upright, as browsers do", () => {
    // dark on the left, bright on the right: turned a quarter clockwise, bright at the bottom
    const photo = jpegBytes(16, 16, (x) => (x < 0.5 ? [0, 0, 0] : [255, 255, 255])); // x, y from 0 to 1
    expect(jpegOrientation(photo)).toBe(1);
    for (const little of [true, false]) {
      const turned = withExifOrientation(photo, 6, little);
      expect(jpegOrientation(turned)).toBe(6);
      const planes = resizedImage('a.jpg', decodeImage(turned), 2).planes;
      expect(Array.from(planes.subarray(0, 4)).map((v) => (v > 128 ? 1 : 0))).toEqual([0, 0, 1, 1]);
    }
    expect(Array.from(resizedImage('a.jpg', decodeImage(photo), 2).planes.subarray(0, 4)).map((v) => (v > 128 ? 1 : 0))).toEqual([
      0, 1, 0, 1,
    ]);
    // an orientation out of range, or a directory past the segment, reads as upright
    expect(jpegOrientation(withExifOrientation(photo, 9, true))).toBe(1);
    const cut = withExifOrientation(photo, 6, true);
    const exif = cut.indexOf(0xe1) + 9; // the TIFF header's first-directory offset, little-endian
    cut[exif + 4] = 200;
    expect(jpegOrientation(cut)).toBe(1);
  });

  it('reads a folder: the pictures sorted by path, classes from the subfolders, the rest skipped and named', () => {
    const folder = pictureFolder();
    const skipped: string[] = [];
    const set = loadImageFolder(folder.dir, { size: 12, onSkip: (file) => skipped.push(file) });
    expect(set.names).toEqual(folder.names);
    expect([set.channels, set.height, set.width, set.count]).toEqual([3, 12, 12, folder.names.length]);
    expect(set.classes).toEqual(folder.names.some((n) => n.startsWith('icons/')) ? ['discs', 'icons', 'stripes'] : ['discs', 'stripes']);
    expect(skipped).toEqual(folder.bad.map((name) => `${folder.dir}/${name}`));
  });
});

describe('files for other tools', () => {
  it('writes .npy files numpy reads: the header padded to 64 bytes, then float32 little-endian', () => {
    const bytes = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + new DataView(bytes.buffer).getUint16(8, true)));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} +\n$/);
    expect((10 + header.length) % 64).toBe(0);
    expect(Array.from(new Float32Array(bytes.slice(10 + header.length).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writes embeddings as .npy with the names beside, CSV or JSON lines, by the extension', () => {
    const e = { names: ['a.png', 'b, "c".jpg'], h: Float32Array.from([1, 2, 3, 4]), hDim: 2, v: Float32Array.from([0.1, 0.2]), vDim: 1 };
    expect(encodeEmbeddings('out/e.npy', e).map(([path]) => path)).toEqual(['out/e.npy', 'out/e.v.npy', 'out/e.names.txt']);
    expect(new TextDecoder().decode(encodeEmbeddings('e.npy', e)[2]![1])).toBe('a.png\nb, "c".jpg\n');
    expect(new TextDecoder().decode(encodeEmbeddings('e.CSV', e)[0]![1])).toBe(
      'name,h0,h1,v0\na.png,1,2,0.100000001\n"b, ""c"".jpg",3,4,0.200000003\n',
    );
    const lines = new TextDecoder().decode(encodeEmbeddings('e.jsonl', e)[0]![1]).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { name: 'a.png', h: [1, 2], v: [0.100000001] },
      { name: 'b, "c".jpg', h: [3, 4], v: [0.200000003] },
    ]);
    expect(() => encodeEmbeddings('e.txt', e)).toThrow('the extension: .npy, .csv, .jsonl');
  });

  it('writes safetensors: a length, a JSON header with byte ranges and metadata, 8-byte aligned data', () => {
    const bytes = encodeSafetensors(
      [
        { name: 'w', dtype: 'F32', shape: [2], data: Float32Array.from([1.5, -2]) },
        { name: 'n', dtype: 'I64', shape: [], data: BigInt64Array.from([7n]) },
      ],
      { arch: 'x' },
    );
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + length) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    expect(header).toEqual({
      __metadata__: { arch: 'x' },
      w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      n: { dtype: 'I64', shape: [], data_offsets: [8, 16] },
    });
    const data = bytes.slice(8 + length);
    expect(Array.from(new Float32Array(data.buffer, 0, 2))).toEqual([1.5, -2]);
    expect(new BigInt64Array(data.buffer, 8, 1)[0]).toBe(7n);
  });

  it("names the encoder's tensors as PyTorch's modules do", () => {
    expect(torchName('backbone.stage2.shortcut.layers.1.runningMean')).toBe('backbone.stage2.shortcut.1.running_mean');
    expect(torchName('head.layers.1.runningVar')).toBe('head.1.running_var');
    expect(torchName('backbone.blocks.3.depthwise.layers.0.weight')).toBe('backbone.blocks.3.depthwise.0.weight');
    const encoder = new Encoder({ ...DEFAULTS, width: 0.25, backend: new ReferenceBackend() });
    const names = [...encoder.stateDict().keys()].map(torchName);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 6)).toEqual([
      'backbone.stem.weight',
      'backbone.stemBn.weight',
      'backbone.stemBn.bias',
      'backbone.stemBn.running_mean',
      'backbone.stemBn.running_var',
      'backbone.stage1.conv1.weight',
    ]);
    encoder.dispose();
  });
});
