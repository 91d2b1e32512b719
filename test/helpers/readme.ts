// The README's API example, read from README.md at test time so that the tests run it as written.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const README = join(dirname(fileURLToPath(import.meta.url)), '../../README.md');

/** The ```ts block under the README's "## API" heading. */
export function readmeApiExample(): string {
  const example = /## API\s+```ts\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
  if (example === undefined) throw new Error('README.md has no ```ts block under "## API"');
  return example;
}
