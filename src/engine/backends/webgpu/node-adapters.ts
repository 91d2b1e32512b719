// Adapter candidates in Node through Dawn (the `webgpu` package): a hardware adapter, then
// the two software adapters Debian can provide, in the order the benchmarks measured best.

import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { type AdapterCandidate, type AdapterChoice, describeAdapter } from './adapter.js';

Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode… as in a browser

const DEFAULT_SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** llvmpipe runs our kernels faster than SwiftShader here (see README, "Adapters"). */
const SOFTWARE_ORDER = ['llvmpipe', 'swiftshader'] as const;

export interface NodeAdapterOptions {
  adapter?: AdapterChoice;
  /** The SwiftShader Vulkan ICD manifest; SSLGPU_SWIFTSHADER_ICD or Chromium's copy by default. */
  swiftshaderIcd?: string;
}

type Found = { adapter: GPUAdapter; instance: GPU } | null;

async function request(flags: string[], options: GPURequestAdapterOptions): Promise<Found> {
  const instance = create(flags);
  const adapter = await instance.requestAdapter(options);
  return adapter ? { adapter, instance } : null;
}

async function hardware(): Promise<Found> {
  const found = await request([], { powerPreference: 'high-performance' });
  return found && !describeAdapter(found.adapter).software ? found : null;
}

async function swiftshader(icd: string): Promise<Found> {
  if (!existsSync(icd)) return null;
  process.env.VK_ICD_FILENAMES = icd; // read by the Vulkan loader when Dawn creates its instance
  return request(['backend=vulkan'], {});
}

async function llvmpipe(): Promise<Found> {
  process.env.EGL_PLATFORM ??= 'surfaceless'; // no display server needed
  return request(['backend=opengles'], { featureLevel: 'compatibility' });
}

/** Candidates in preference order: the forced one only, or hardware then software. */
export async function* nodeAdapterCandidates(options: NodeAdapterOptions = {}): AsyncGenerator<AdapterCandidate> {
  const choice = options.adapter ?? (process.env.SSLGPU_ADAPTER as AdapterChoice | undefined) ?? 'auto';
  const icd = options.swiftshaderIcd ?? process.env.SSLGPU_SWIFTSHADER_ICD ?? DEFAULT_SWIFTSHADER_ICD;
  const kinds = choice === 'auto' ? ['hardware', ...SOFTWARE_ORDER] : [choice];
  for (const kind of kinds) {
    let found: Found = null;
    try {
      if (kind === 'hardware') found = await hardware();
      else if (kind === 'swiftshader') found = await swiftshader(icd);
      else if (kind === 'llvmpipe') found = await llvmpipe();
      else throw new Error(`adapter '${kind}' is not available in Node (choose auto, hardware, llvmpipe or swiftshader)`);
    } catch (error) {
      if (choice !== 'auto') throw error;
    }
    if (found) yield { kind: kind as AdapterCandidate['kind'], ...found };
    else if (choice !== 'auto') {
      const hint = kind === 'swiftshader' ? ` (no ICD at ${icd}; install Debian's chromium or set SSLGPU_SWIFTSHADER_ICD)` : '';
      throw new Error(`WebGPU adapter '${kind}' was not found${hint}`);
    }
  }
}
