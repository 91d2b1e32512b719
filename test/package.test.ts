// The package as a user gets it: `npm pack` (whose prepack builds the bundles and their
// declarations) into a temporary folder, the tarball installed into a new project there, and in
// it the README's API example, read from README.md: type-checked strictly against the installed
// declarations (Node's and the browser's), compiled and run with Node on WebAssembly, and
// bundled with esbuild into a page that runs it in headless Chromium.
// The project installs with `npm ci` from a lockfile made here: the tarball, and its runtime
// dependencies at the versions of this repository's lockfile, which `npm ci` takes from npm's
// cache (this repository's own install put them there) without asking the registry where it can.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { serveDemo } from '../scripts/demo.mjs';
import { chromiumMissing, launchChromium } from './helpers/chromium.js';
import { readmeApiExample } from './helpers/readme.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
}

let dir: string;
let app: string;
let packed: Packed;

/** The project's lockfile: the tarball, then its dependencies' closure as this repository locks them. */
function lockfile(manifest: { version: string; dependencies: Record<string, string> }, tarball: string): object {
  const locked: Record<string, LockEntry> = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const packages: Record<string, LockEntry & { resolved?: string }> = {
    '': { dependencies: { sslgpu: tarball } },
    'node_modules/sslgpu': { version: manifest.version, resolved: tarball, dependencies: manifest.dependencies },
  };
  const names = Object.keys(manifest.dependencies);
  for (const name of names) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = locked[key] ?? {};
    if (!entry.version) throw new Error(`package-lock.json does not lock ${name}, a dependency of the package`);
    packages[key] = entry;
    names.push(...Object.keys(entry.dependencies ?? {}));
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

/** Runs a command (in the new project unless told); its output is the error's message if it fails. */
function run(command: string, args: string[], { cwd = app, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** The three lines the example logs, `step loss`: steps 100, 200 and 300, the loss falling. */
function expectFallingLoss(lines: string[]): void {
  const logged = lines.map((line) => line.split(' ').map(Number));
  expect(logged.map(([step]) => step)).toEqual([100, 200, 300]);
  expect(logged[2]![1]).toBeLessThan(0.5 * logged[0]![1]!);
}

describe('the package, packed and installed into a new project', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sslgpu-package-'));
    app = join(dir, 'app');
    mkdirSync(app);
    // npm pack prints the prepack scripts' output before its JSON
    const stdout = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
    [packed] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as Packed[];
    const tarball = `file:../${packed.filename}`;
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { sslgpu: tarball } }),
    );
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockfile(manifest, tarball)));
    run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
    writeFileSync(join(app, 'example.ts'), readmeApiExample());
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the bundles, their source maps and declarations, README, LICENSE and CHANGELOG, and nothing else', () => {
    const paths = packed.files.map((file) => file.path).sort();
    expect(paths).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      ...['browser', 'node'].flatMap((entry) => ['index.d.ts', 'index.js', 'index.js.map'].map((file) => `dist/${entry}/${file}`)),
      'package.json',
    ]);
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.info(`${packed.filename}: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${paths.length} files`);
  });

  it('type-checks the README example strictly against the Node and the browser declarations', () => {
    const strict = { strict: true, target: 'es2022', skipLibCheck: false };
    /** Writes the tsconfig, type-checks the example with it and returns the files tsc read. */
    const check = (name: string, compilerOptions: object) => {
      writeFileSync(join(app, name), JSON.stringify({ compilerOptions: { ...strict, ...compilerOptions }, files: ['example.ts'] }));
      return run(process.execPath, [tsc, '-p', name, '--listFiles']);
    };
    // a Node project: Node's types and no DOM in its lib (the declarations bring what they need);
    // it compiles the example to out/ for the next test
    const node = { module: 'nodenext', lib: ['es2023'], typeRoots: [join(root, 'node_modules/@types')], types: ['node'] };
    expect(check('tsconfig.json', { ...node, outDir: 'out', noEmitOnError: true })).toContain('node_modules/sslgpu/dist/node/index.d.ts');
    // a page's script, resolved as a bundler resolves it for the browser
    const page = { module: 'esnext', moduleResolution: 'bundler', customConditions: ['browser'], lib: ['es2023', 'dom'], noEmit: true };
    expect(check('tsconfig.page.json', page)).toContain('node_modules/sslgpu/dist/browser/index.d.ts');
  });

  it('runs the README example with Node on WebAssembly', () => {
    const lines = run(process.execPath, ['out/example.js'], { env: { SSLGPU_BACKEND: 'wasm', SSLGPU_THREADS: '2' } })
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^sslgpu: wasm backend/);
    expectFallingLoss(lines.slice(1));
  });

  it('runs the README example bundled into a page, in Chromium', async (context) => {
    const missing = chromiumMissing();
    if (missing) console.warn(`skipping the page: ${missing}`);
    context.skip(missing !== null, missing ?? undefined);
    const site = join(dir, 'site');
    await build({
      absWorkingDir: app,
      entryPoints: ['example.ts'],
      outfile: join(site, 'example.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'warning',
    });
    const html = [
      '<!doctype html>',
      '<meta charset="utf-8">',
      '<link rel="icon" href="data:,">',
      '<script type="module" src="example.js"></script>',
    ];
    writeFileSync(join(site, 'index.html'), `${html.join('\n')}\n`);
    const server = await serveDemo({ site });
    const browser = await launchChromium(true);
    try {
      const page = await browser.newPage();
      const logged: string[] = [];
      const errors: string[] = [];
      page.on('console', (message) => (message.type() === 'error' ? errors : logged).push(message.text()));
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(server.url);
      await expect.poll(() => errors.length > 0 || logged.some((line) => line.startsWith('300 ')), { timeout: 60_000 }).toBe(true);
      expect(errors).toEqual([]);
      // init() opened WebGPU's adapter, found SwiftShader, a software one, and chose WebAssembly
      expect(logged[0]).toMatch(/^sslgpu: wasm backend \(only a software WebGPU adapter/);
      expectFallingLoss(logged.slice(1));
    } finally {
      await browser.close();
      await server.close();
    }
  }, 120_000);
});
