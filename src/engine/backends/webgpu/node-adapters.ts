// Adapter candidates in Node through Dawn (the `webgpu` package): a hardware adapter, then
// the two software adapters Debian can provide, in the order the benchmarks measured best.
// Whether there is a hardware adapter is first asked in a short-lived child process: on a
// machine without a GPU driver, Dawn's Vulkan backend writes warnings to stderr from native
// code (with a source path of the machine that built Dawn), and neither `create()`'s flags nor
// any logging callback of dawn.node reaches them. The child's stderr is kept, and shown only
// with SSLGPU_VERBOSE=1; the adapter itself is opened here once the child has seen one.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
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

/** A probe that has not answered in this long has hung (a driver stuck in its start-up): no adapter. */
const PROBE_TIMEOUT_MS = 30_000;

/** Marks the child's answer on stdout, where a driver may print other lines too. */
const ANSWER = 'sslgpu-probe:';

/** What the child process runs: Dawn's default (hardware) request, the adapter's info (or null) on stdout. */
const PROBE_SCRIPT = (webgpu: string) => `
const { create } = await import(${JSON.stringify(webgpu)});
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const { vendor, architecture, device, description, isFallbackAdapter } = adapter?.info ?? {};
const info = adapter ? { vendor, architecture, device, description, isFallbackAdapter } : null;
process.stdout.write('\\n${ANSWER}' + JSON.stringify(info) + '\\n');
process.exit(0);`;

/** Whether Dawn sees a hardware adapter, asked in a child process whose stderr is kept (see the top). */
async function hardwareInChild(): Promise<boolean> {
  const webgpu = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  const args = ['--input-type=module', '--eval', PROBE_SCRIPT(webgpu)];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      const answer = error ? undefined : stdout.split('\n').find((line) => line.startsWith(ANSWER));
      const info = answer ? (JSON.parse(answer.slice(ANSWER.length)) as Partial<GPUAdapterInfo> | null) : null;
      if (process.env.SSLGPU_VERBOSE === '1') {
        const failure = error ? `failed (${error.killed ? 'timed out' : `exit code ${error.code}`})` : !answer && 'gave no answer';
        const outcome = failure || (info ? `found ${JSON.stringify(info)}` : 'found no adapter');
        process.stderr.write(`sslgpu: hardware adapter probe ${outcome}\n${stderr}`);
      }
      resolve(info !== null && !describeAdapter({ info }).software);
    });
  });
}

async function hardware(): Promise<Found> {
  if (!(await hardwareInChild())) return null;
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
      const hint =
        kind === 'swiftshader'
          ? ` (no ICD at ${icd}; install Debian's chromium or set SSLGPU_SWIFTSHADER_ICD)`
          : kind === 'hardware'
            ? " (SSLGPU_VERBOSE=1 shows Dawn's messages)"
            : '';
      throw new Error(`WebGPU adapter '${kind}' was not found${hint}`);
    }
  }
}
