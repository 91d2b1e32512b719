// Tests run in forked processes (Dawn is a native addon) and import .wgsl files as text and
// the compiled asm/ kernels as bytes, as the bundles do.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
// @ts-expect-error: a plain .mjs build script without types
import { buildKernels } from './scripts/asm.mjs';

const ASM_KERNELS = 'sslgpu:asm-kernels';

export default defineConfig({
  plugins: [
    {
      name: 'wgsl-as-text',
      load(id) {
        if (id.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        return undefined;
      },
    },
    {
      name: 'asm-kernels',
      resolveId: (id) => (id === ASM_KERNELS ? `\0${ASM_KERNELS}` : undefined),
      async load(id) {
        if (id !== `\0${ASM_KERNELS}`) return undefined;
        const files: Record<string, string> = await buildKernels();
        return Object.entries(files)
          .map(([name, file]) => {
            const base64 = readFileSync(file).toString('base64');
            return `export const ${name} = Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`;
          })
          .join('\n');
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
