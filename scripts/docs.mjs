// `npm run docs`: the API reference in docs/api/ (HTML, generated, not committed), written by
// TypeDoc from the doc comments of the two entry points, src/node.ts and src/browser.ts, with the
// README as its first page. TypeDoc needs TypeScript's JavaScript API, which TypeScript 7 (the
// project's compiler) does not have: TypeDoc and its TypeScript 6 come from tools/typescript-api/.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const out = join(root, 'docs/api');
const typedoc = createRequire(join(root, 'tools/typescript-api/package.json')).resolve('typedoc');
const { Application } = await import(pathToFileURL(typedoc).href);

const app = await Application.bootstrapWithPlugins({
  entryPoints: [join(root, 'src/node.ts'), join(root, 'src/browser.ts')],
  tsconfig: join(root, 'tsconfig.json'),
  readme: join(root, 'README.md'),
  out,
  includeVersion: true,
  excludeInternal: true, // the backward passes and other engine internals marked @internal
  // types the API uses without exporting them (kernel parameter records and the like) are shown
  // by name; scripts/types.mjs counts them
  validation: { notExported: false },
  treatWarningsAsErrors: true,
  logLevel: 'Warn',
});
const project = await app.convert();
if (!project || app.logger.hasErrors()) process.exit(1);
await app.generateDocs(project, out);
if (app.logger.hasErrors()) process.exit(1);
console.log(`API reference: ${join(out, 'index.html')}`);
