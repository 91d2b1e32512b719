// Debian's Chromium, headless, driven by playwright-core: the launcher the browser tests share.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why no test can run in Chromium here (the message names the fix), or null where one can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: run \`npm run setup\` (Debian's chromium)`;
}

/** Headless Chromium: with WebGPU on SwiftShader, or with WebGPU switched off (pages fall back to WebAssembly). */
export async function launchChromium(webgpu: boolean): Promise<Browser> {
  const flags = webgpu
    ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader']
    : ['--disable-features=WebGPU,Vulkan'];
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu-sandbox', '--disable-dev-shm-usage', ...flags],
  });
}
