// The demo page in a real browser: Debian's Chromium, headless, driven by playwright-core.
// On WebGPU (SwiftShader) and, with WebGPU switched off, on WebAssembly, the page trains 20
// steps whose losses fall and equal Node's on the same adapter for the same seed and data;
// checkpoints move between the page and the command line both ways with the same kNN; a
// diverging run stops with its message in the page's log; a run autosaved at an epoch's end
// is offered after a reload and resumes exactly where it was.
// (Across backends, these steps agree to 1e-3 for the first three or four, then drift:
// from states 1e-5 apart, this small freshly calibrated network's gradients differ by
// per cents within two steps. The backends are checked against each other op by op and in
// test/training.test.ts.)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildDemo, serveDemo } from '../scripts/demo.mjs';
import { DEFAULT_DATA_DIR, loadSplit } from '../src/data/fashion-mnist.js';
import { decodeTensorFile, encodeTensorFile } from '../src/engine/io/tensor-file.js';
import { prepareData } from '../src/method/data.js';
import { DEFAULTS, type TrainConfig, Trainer } from '../src/method/train.js';
import { createWasmBackend, createWebGpuBackend } from '../src/node.js';
import { CHROMIUM, launchChromium as launch } from './helpers/chromium.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(root, 'test/.artifacts');
const [subset, testSubset, seed] = [256, 200, 0];
// small enough for SwiftShader: a step of 16 images takes about two seconds there
// no warm-up: the losses must fall within the test's 20 steps
const config: Partial<TrainConfig> = { epochs: 3, batch: 16, width: 0.25, hidden: 32, dim: 16, logEvery: 1, warmup: 0, seed };
const STEPS = 20;

let server: { url: string; close(): Promise<void> };

/** The same 20 steps in Node, on the page's backend: WebAssembly or SwiftShader through Dawn. */
async function trainInNode(on: 'wasm' | 'swiftshader'): Promise<number[]> {
  const backend = on === 'wasm' ? await createWasmBackend({ threads: 1 }) : await createWebGpuBackend({ adapter: 'swiftshader' });
  if (!backend) throw new Error('no SwiftShader adapter in Node (see README, "Adapters")');
  const { train, test } = prepareData(loadSplit(DEFAULT_DATA_DIR, 'train'), loadSplit(DEFAULT_DATA_DIR, 'test'), backend, {
    subset,
    seed,
    testSubset,
  });
  const trainer = new Trainer({ ...DEFAULTS, ...config }, backend, train, test);
  trainer.calibrate();
  const losses: number[] = [];
  while (losses.length < STEPS)
    await trainer.trainEpoch((_d, _t, loss) => {
      if (loss !== null) losses.push(loss);
      return losses.length < STEPS;
    });
  trainer.dispose();
  backend.destroy();
  return losses;
}

/** A new page (with its own storage) on the demo; `initScript` runs in it before the page's own scripts. */
async function openDemo(browser: Browser, backend: string, initScript?: () => void): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (initScript) await page.addInitScript(initScript);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${server.url}?backend=${backend}&subset=${subset}&testSubset=${testSubset}&seed=${seed}`);
  return { page, errors };
}

/** Trains in the page and checks the losses: 20 of them, falling, and Node's within 1e-3. */
async function trainsLikeNode(page: Page, nodeLosses: number[]): Promise<number[]> {
  const { losses, reason } = await page.evaluate(([c, steps]) => window.demo.train(c, steps), [config, STEPS] as const);
  expect(reason).toBe('steps');
  expect(losses).toHaveLength(STEPS);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
  for (const [i, loss] of losses.entries())
    expect(Math.abs(loss - nodeLosses[i]!) / Math.abs(nodeLosses[i]!), `step ${i + 1}: page ${loss}, Node ${nodeLosses[i]}`).toBeLessThan(
      1e-3,
    );
  return losses;
}

function cli(args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'dist/scripts/cli.js'), ...args, '--backend', 'wasm', '--threads', '1'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
const knnOf = (stdout: string) => Number(/weighted kNN top-1 on v ([\d.]+) %/.exec(stdout)?.[1]);

describe('the demo page in Chromium', () => {
  beforeAll(async () => {
    for (const path of [CHROMIUM, DEFAULT_DATA_DIR]) {
      if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run setup\` (Debian's chromium and dataset-fashion-mnist)`);
    }
    mkdirSync(artifacts, { recursive: true });
    execFileSync(process.execPath, ['scripts/build.mjs', 'src/cli.ts'], { cwd: root });
    await buildDemo();
    server = await serveDemo({ dataDir: DEFAULT_DATA_DIR });
  }, 300_000);
  afterAll(() => server?.close());

  it('trains on WebGPU like Node, and trades checkpoints with the command line', async () => {
    const browser = await launch(true);
    try {
      const { page, errors } = await openDemo(browser, 'webgpu');
      const init = await page.evaluate(() => window.demo.ready);
      expect(init.kind, init.backend).toBe('webgpu');
      expect(await page.locator('#notice').isVisible()).toBe(false);
      await trainsLikeNode(page, await trainInNode('swiftshader'));
      await page.screenshot({ path: join(artifacts, 'demo-webgpu.png'), fullPage: true });

      // the page's checkpoint in the CLI: the same kNN on the same 200 test images
      const pageKnn = await page.evaluate(() => window.demo.evaluate());
      const saved = await page.evaluate(async () => Array.from(await window.demo.save()));
      const dir = mkdtempSync(join(tmpdir(), 'demo-'));
      writeFileSync(join(dir, 'page.sslgpu'), Uint8Array.from(saved));
      expect(knnOf(cli(['eval', 'knn', '--checkpoint', join(dir, 'page.sslgpu'), '--test-subset', String(testSubset)]))).toBe(
        Number((100 * pageKnn.knnV).toFixed(2)),
      );

      // a CLI checkpoint in the page
      cli([
        'train',
        '--subset',
        String(subset),
        '--epochs',
        '1',
        '--batch',
        '16',
        '--width',
        '0.25',
        '--test-subset',
        String(testSubset),
        '--out',
        dir,
      ]);
      const cliKnn = knnOf(cli(['eval', 'knn', '--checkpoint', join(dir, 'checkpoint.sslgpu'), '--test-subset', String(testSubset)]));
      const bytes = Array.from(readFileSync(join(dir, 'checkpoint.sslgpu')));
      const restored = await page.evaluate(async (b) => {
        const { epoch } = await window.demo.restore(Uint8Array.from(b));
        return { epoch, ...(await window.demo.evaluate()) };
      }, bytes);
      expect(restored.epoch).toBe(1);
      expect(Number((100 * restored.knnV).toFixed(2))).toBe(cliKnn);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 900_000);

  it('falls back to WebAssembly without WebGPU, says so, and trains like Node', async () => {
    const browser = await launch(false);
    try {
      const { page, errors } = await openDemo(browser, 'auto');
      const init = await page.evaluate(() => window.demo.ready);
      expect(init.kind).toBe('wasm');
      await expect.poll(() => page.locator('#notice').isVisible()).toBe(true);
      expect(await page.locator('#notice').textContent()).toContain('WebAssembly');
      await trainsLikeNode(page, await trainInNode('wasm'));
      await page.screenshot({ path: join(artifacts, 'demo-wasm.png'), fullPage: true });

      // the buttons: resume the paused run and pause it again
      const state = () => page.evaluate(() => document.body.dataset.state);
      await page.click('#resume');
      await expect.poll(state).toBe('training');
      await page.click('#pause');
      await expect.poll(state).toBe('paused');
      // retrieval: a test image and its eight nearest training images
      await page.locator('#gallery .thumb').nth(2).click();
      await expect.poll(() => page.locator('#neighbours figure').count()).toBe(9);
      // a checkpoint holding a NaN (a diverged run's, written without the guard) is refused in the
      // page as by the CLI, naming the tensor; the training guard itself runs in the worker's
      // EncoderTrainer, tested in Node (test/method/guard.test.ts)
      const saved = decodeTensorFile(new Uint8Array(await page.evaluate(() => window.demo.save().then((b) => Array.from(b)))));
      const poisoned = saved.tensors.find((t) => t.dtype === 'f32')!;
      poisoned.data[0] = NaN;
      const refused = await page.evaluate(
        (bytes) =>
          window.demo.restore(Uint8Array.from(bytes)).then(
            () => 'restored',
            (error: Error) => error.message,
          ),
        Array.from(encodeTensorFile(saved)),
      );
      expect(refused).toMatch(new RegExp(`tensor ${poisoned.name} holds NaN at index 0; the run that wrote it had diverged`));
      expect(await page.evaluate(() => window.demo.log)).toContainEqual(expect.stringContaining(refused));
      // the IDX files picked from disk
      await page.setInputFiles(
        '#data-files',
        readdirSync(DEFAULT_DATA_DIR).map((name) => join(DEFAULT_DATA_DIR, name)),
      );
      await expect.poll(() => page.locator('#log').textContent(), { timeout: 60_000 }).toContain('using the chosen files');
      expect(await page.locator('#gallery .thumb').count()).toBeGreaterThan(0);
      expect(await state()).toBe('idle');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);

  const twoEpochs = { ...config, epochs: 2 };
  const stepsPerEpoch = subset / config.batch!;
  /** Trains the first epoch of a two-epoch run, which the page autosaves; returns where. */
  async function trainOneEpoch(page: Page): Promise<string> {
    await page.evaluate(() => window.demo.ready);
    await page.evaluate(([c, steps]) => window.demo.train(c, steps), [twoEpochs, stepsPerEpoch] as const);
    const saved = await page.evaluate(() => window.demo.autosaved());
    expect(saved).toMatchObject({ epoch: 1, epochs: 2 });
    return saved!.where;
  }
  /** Reloads the page and waits until it is ready and has looked for an autosaved run. */
  async function reload(page: Page): Promise<{ offered: boolean; title: string | null }> {
    await page.reload();
    await page.evaluate(() => window.demo.ready);
    const offered = (await page.evaluate(() => window.demo.autosaved())) !== null;
    await expect.poll(() => page.locator('#resume-offer').isVisible()).toBe(offered);
    return { offered, title: await page.locator('#resume-offer-title').textContent() };
  }

  it('autosaves each epoch (OPFS) and, after a reload, resumes the run where it was', async () => {
    const browser = await launch(false);
    try {
      const { page, errors } = await openDemo(browser, 'wasm');
      expect(await trainOneEpoch(page)).toBe('OPFS');
      const before = await page.evaluate(() => window.demo.charts());
      // the next steps as this page takes them, for the resumed run to repeat
      const next = await page.evaluate(() => window.demo.client.request('continue', { steps: 5 }));

      expect(await reload(page)).toEqual({ offered: true, title: 'Resume the run from epoch 2 of 2?' });
      await page.screenshot({ path: join(artifacts, 'demo-resume-offer.png') });
      const resumed = page.evaluate(
        () =>
          new Promise<{ epoch: number; step: number; loss: number | null }[]>((resolve) => {
            const steps: { epoch: number; step: number; loss: number | null }[] = [];
            window.demo.client.on((e) => {
              if (e.event === 'step') steps.push({ epoch: e.epoch, step: e.step, loss: e.loss });
              if (e.event === 'state' && e.state === 'finished') resolve(steps);
            });
          }),
      );
      await page.click('#resume-offer-accept');
      const steps = await resumed;
      expect(steps.map((s) => [s.epoch, s.step])).toEqual(Array.from({ length: stepsPerEpoch }, (_, i) => [2, i + 1]));
      expect(steps.slice(0, 5).map((s) => s.loss)).toEqual(next.losses);
      expect(await page.locator('#progress').textContent()).toMatch(/^epoch 2\/2 · step 16\/16 · /);
      // the charts go on from the saved ones: epoch 1's losses as they were, then epoch 2's
      const after = await page.evaluate(() => window.demo.charts());
      const [loss] = after.loss;
      expect(loss!.x).toEqual(Array.from({ length: 2 * stepsPerEpoch }, (_, i) => i + 1));
      expect(loss!.y.slice(0, stepsPerEpoch)).toEqual(before.loss[0]!.y);
      expect(after.knn.map((series) => series.x)).toEqual([
        [1, 2],
        [1, 2],
      ]);
      // a finished run leaves nothing to resume
      await expect.poll(() => page.evaluate(() => window.demo.autosaved())).toBeNull();
      expect(await reload(page)).toMatchObject({ offered: false });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('autosaves to IndexedDB without OPFS, and a discarded run is not offered again', async () => {
    const browser = await launch(false);
    try {
      const withoutOpfs = () => {
        delete (StorageManager.prototype as { getDirectory?: unknown }).getDirectory;
      };
      const { page, errors } = await openDemo(browser, 'wasm', withoutOpfs);
      expect(await trainOneEpoch(page)).toBe('IndexedDB');
      expect(await reload(page)).toMatchObject({ offered: true });
      await page.click('#resume-offer-discard');
      expect(await page.locator('#resume-offer').isVisible()).toBe(false);
      expect(await page.evaluate(() => window.demo.log)).toContain('the autosaved run is discarded');
      expect(await page.evaluate(() => window.demo.autosaved())).toBeNull();
      expect(await reload(page)).toMatchObject({ offered: false });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
