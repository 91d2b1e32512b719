// Tests run in forked processes (Dawn is a native addon) and import .wgsl files as text, as the bundles do.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [{
    name: 'wgsl-as-text',
    load(id) {
      if (id.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
      return undefined;
    },
  }],
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
