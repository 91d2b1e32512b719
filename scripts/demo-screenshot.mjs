// Makes docs/demo.png, the README's picture of the demo: real Fashion-MNIST on WebAssembly
// in headless Chromium, five epochs on 3,000 images, then one retrieval.
// `node scripts/demo-screenshot.mjs` (after `npm run setup`).
import { chromium } from 'playwright-core';
import { buildDemo, serveDemo } from './demo.mjs';

await buildDemo();
const server = await serveDemo({});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu-sandbox', '--disable-features=WebGPU,Vulkan'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
await page.goto(`${server.url}?backend=wasm&subset=3000&testSubset=1000&seed=0`);
await page.evaluate(() => window.demo.ready);
const r = await page.evaluate(() => window.demo.train({ epochs: 5, batch: 128, width: 0.5, seed: 0 }));
console.log(`trained ${r.losses.length} steps (${r.reason}); docs/demo.png`);
await page.locator('#gallery > *').nth(3).click();
await page.locator('#neighbours figure').nth(8).waitFor(); // the query and its eight neighbours
await page.evaluate(() => window.scrollTo(0, 0));
await page.waitForTimeout(300);
await page.screenshot({ path: 'docs/demo.png', fullPage: true });
await browser.close();
await server.close();
