// The package's type declarations: tsc (the project's TypeScript 7) emits a declaration tree for
// src/node.ts and src/browser.ts into dist/types/ (tsconfig.types.json), and API Extractor
// bundles each entry point's into one file beside its bundle, dist/node/index.d.ts and
// dist/browser/index.d.ts, which package.json's exports name. API Extractor needs TypeScript's
// JavaScript API, which TypeScript 7 does not have: it comes from tools/typescript-api/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { CompilerState, Extractor, ExtractorConfig } = createRequire(join(root, 'tools/typescript-api/package.json'))(
  '@microsoft/api-extractor',
);
const ENTRIES = ['node', 'browser'];
/**
 * The declarations name GPUDevice, GPUBuffer… and WebAssembly.Memory, which TypeScript's DOM library
 * declares (WebGPU's since TypeScript 6; 5.x needs @webgpu/types too): a Node project gets them
 * without listing "DOM" in its lib.
 */
const REFERENCE = '/// <reference lib="dom" />\n';

const rollupOf = (entry) => join(root, `dist/types/${entry}.bundle.d.ts`);

function configOf(entry) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, `dist/types/${entry}.d.ts`),
      compiler: {
        overrideTsconfig: {
          // No Node types: the declarations of both entry points need only the DOM library's. The
          // declarations are not type-checked again here (tsc has just checked their sources), and
          // test/package.test.ts checks the bundles strictly, as a user's project does.
          compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM'], types: [], skipLibCheck: true },
          files: ENTRIES.map((name) => join(root, `dist/types/${name}.d.ts`)),
        },
      },
      apiReport: { enabled: false },
      docModel: { enabled: false },
      tsdocMetadata: { enabled: false },
      dtsRollup: { enabled: true, untrimmedFilePath: rollupOf(entry) },
      messages: {
        // the doc comments are plain prose, not TSDoc (TypeDoc reads them: npm run docs)
        tsdocMessageReporting: { default: { logLevel: 'none' } },
        extractorMessageReporting: { default: { logLevel: 'warning' } },
        compilerMessageReporting: { default: { logLevel: 'warning' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
}

/**
 * Bundles dist/types/<entry>.d.ts into dist/<entry>/index.d.ts (written whole, then renamed into
 * place); throws with API Extractor's errors.
 */
function bundle(entry, config, compilerState) {
  const errors = [];
  const notExported = new Set();
  const result = Extractor.invoke(config, {
    localBuild: true,
    compilerState,
    messageCallback(message) {
      message.handled = true;
      // types that the API uses without exporting them (kernel parameter records and the like)
      if (message.messageId === 'ae-forgotten-export') notExported.add(/"(\w+)"/.exec(message.text)?.[1]);
      // the compiler's diagnostics and API Extractor's errors; not its progress lines, nor its
      // release tags (@public, @beta…), which this package does not use
      else if (message.category === 'Compiler' || message.logLevel === 'error') errors.push(message.formatMessageWithLocation(root));
    },
  });
  if (!result.succeeded || errors.length > 0) throw new Error(`API Extractor on dist/types/${entry}.d.ts:\n${errors.join('\n')}`);
  const out = join(root, `dist/${entry}/index.d.ts`);
  writeFileSync(rollupOf(entry), REFERENCE + readFileSync(rollupOf(entry), 'utf8'));
  mkdirSync(dirname(out), { recursive: true });
  renameSync(rollupOf(entry), out);
  // the backends' internals (wasm records, the WebGPU runtime) are named here, not exported
  const names = [...notExported].sort().join(', ');
  console.log(`dist/${entry}/index.d.ts (${notExported.size} types used by the API but not exported by it: ${names || 'none'})`);
}

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.types.json')], {
  stdio: 'inherit',
});
const configs = ENTRIES.map(configOf);
// one compilation serves both entry points
const compilerState = CompilerState.create(configs[0], { additionalEntryPoints: configs.map((config) => config.mainEntryPointFilePath) });
for (const [i, entry] of ENTRIES.entries()) bundle(entry, configs[i], compilerState);
