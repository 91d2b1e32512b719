// Packs named uniform values into the byte layout WGSL gives a struct, read from the shader
// source itself, so no TypeScript ever pads or indexes parameters by hand.

type Scalar = 'f32' | 'u32' | 'i32';

interface Field {
  name: string;
  scalar: Scalar;
  /** Components per element (1 for scalars, 2–4 for vectors). */
  width: number;
  /** Elements (1 unless an array). */
  count: number;
  offset: number;
  /** Bytes between array elements. */
  stride: number;
}

export interface StructLayout {
  name: string;
  fields: Field[];
  size: number;
}

const SCALARS: Record<string, Scalar> = { f32: 'f32', u32: 'u32', i32: 'i32', f: 'f32', u: 'u32', i: 'i32' };

/** Alignment, size and shape of a WGSL type this packer supports; aliases resolved first. */
function describeType(
  type: string,
  aliases: Map<string, string>,
): { scalar: Scalar; width: number; count: number; align: number; size: number; stride: number } {
  const resolved = aliases.get(type) ?? type;
  const array = /^array<\s*(.+?)\s*,\s*(\d+)u?\s*>$/.exec(resolved);
  if (array) {
    const element = describeType(array[1]!, aliases);
    if (element.count !== 1) throw new Error(`uniforms: nested arrays are not supported (${type})`);
    const stride = Math.ceil(element.size / 16) * 16; // uniform arrays have 16-byte strides
    const count = Number(array[2]);
    return { ...element, count, align: 16, size: stride * count, stride };
  }
  const vector = /^vec([234])(?:<\s*(\w+)\s*>|([fui]))$/.exec(resolved);
  if (vector) {
    const width = Number(vector[1]);
    const scalar = SCALARS[vector[2] ?? vector[3]!];
    if (!scalar) throw new Error(`uniforms: unsupported vector type ${type}`);
    const align = width === 2 ? 8 : 16;
    return { scalar, width, count: 1, align, size: width * 4, stride: 0 };
  }
  const scalar = SCALARS[resolved];
  if (!scalar || resolved.length === 1) throw new Error(`uniforms: unsupported type ${type}`);
  return { scalar, width: 1, count: 1, align: 4, size: 4, stride: 0 };
}

/** The layout of struct `name` declared in `source`. */
export function parseStruct(source: string, name: string): StructLayout {
  const aliases = new Map<string, string>();
  for (const match of source.matchAll(/alias\s+(\w+)\s*=\s*([^;]+);/g)) aliases.set(match[1]!, match[2]!.trim());
  const body = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`uniforms: struct ${name} not found in the shader`);
  const fields: Field[] = [];
  let offset = 0;
  let structAlign = 4;
  const declarations = body
    .replace(/\/\/[^\n]*/g, '')
    .split(/,(?![^<]*>)/)
    .map((d) => d.trim())
    .filter(Boolean);
  for (const declaration of declarations) {
    const [fieldName, type] = declaration.split(':').map((part) => part.trim()) as [string, string];
    const described = describeType(type, aliases);
    offset = Math.ceil(offset / described.align) * described.align;
    fields.push({
      name: fieldName,
      scalar: described.scalar,
      width: described.width,
      count: described.count,
      offset,
      stride: described.stride,
    });
    offset += described.size;
    structAlign = Math.max(structAlign, described.align);
  }
  return { name, fields, size: Math.ceil(offset / structAlign) * structAlign };
}

export type UniformValues = Record<string, number | boolean | readonly number[]>;

/** Writes `values` into `view` at `base` following `layout`; every field must be given. */
export function packStruct(layout: StructLayout, values: UniformValues, view: DataView, base: number): void {
  for (const field of layout.fields) {
    const value = values[field.name];
    if (value === undefined) throw new Error(`uniforms: ${layout.name}.${field.name} was not given`);
    const flat = typeof value === 'object' ? value : [Number(value)];
    const capacity = field.count * field.width;
    if (flat.length > capacity) throw new Error(`uniforms: ${layout.name}.${field.name} holds ${capacity} values, got ${flat.length}`);
    for (let i = 0; i < capacity; i++) {
      const element = Math.floor(i / field.width);
      const at = base + field.offset + element * field.stride + (i % field.width) * 4;
      const v = flat[i] ?? 0;
      if (field.scalar === 'f32') view.setFloat32(at, v, true);
      else if (field.scalar === 'u32') view.setUint32(at, v >>> 0, true);
      else view.setInt32(at, v | 0, true);
    }
  }
  for (const name of Object.keys(values)) {
    if (!layout.fields.some((field) => field.name === name)) throw new Error(`uniforms: ${layout.name} has no field ${name}`);
  }
}
