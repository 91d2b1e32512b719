// Pieces of the WebGPU runtime that need no device: uniform layouts and pool size classes.
import { describe, expect, it } from 'vitest';
import { sizeClass } from '../src/engine/backends/webgpu/buffer-pool.js';
import { packStruct, parseStruct } from '../src/engine/backends/webgpu/uniforms.js';

describe('uniform structs', () => {
  const source = `
    alias Dims = array<vec4u, 2>;
    struct Params { n: u32, scale: f32, offset: vec2i, shape: Dims, last: i32 }`;

  it('follows WGSL alignment rules', () => {
    const layout = parseStruct(source, 'Params');
    expect(layout.fields.map((f) => [f.name, f.offset])).toEqual([
      ['n', 0],
      ['scale', 4],
      ['offset', 8],
      ['shape', 16],
      ['last', 48],
    ]);
    expect(layout.size).toBe(64);
  });

  it('packs named values, zero-filling short arrays', () => {
    const layout = parseStruct(source, 'Params');
    const view = new DataView(new ArrayBuffer(64));
    packStruct(layout, { n: 7, scale: 0.5, offset: [-1, 2], shape: [3, 4, 5], last: -9 }, view, 0);
    expect(view.getUint32(0, true)).toBe(7);
    expect(view.getFloat32(4, true)).toBe(0.5);
    expect(view.getInt32(8, true)).toBe(-1);
    expect([0, 1, 2, 3, 4].map((i) => view.getUint32(16 + 4 * i, true))).toEqual([3, 4, 5, 0, 0]);
    expect(view.getInt32(48, true)).toBe(-9);
  });

  it('names missing and unknown fields', () => {
    const layout = parseStruct(source, 'Params');
    const view = new DataView(new ArrayBuffer(64));
    expect(() => packStruct(layout, { n: 1 }, view, 0)).toThrow('uniforms: Params.scale was not given');
    expect(() => packStruct(layout, { n: 1, scale: 1, offset: [0, 0], shape: [], last: 0, extra: 1 }, view, 0)).toThrow(
      'Params has no field extra',
    );
  });
});

describe('buffer pool size classes', () => {
  it('rounds up by at most a quarter of the power of two below', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(256)).toBe(256);
    expect(sizeClass(257)).toBe(320);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    for (const bytes of [300, 5000, 123_456, 30_720_000]) {
      expect(sizeClass(bytes)).toBeGreaterThanOrEqual(bytes);
      expect(sizeClass(bytes)).toBeLessThanOrEqual(bytes * 1.25);
    }
  });
});
