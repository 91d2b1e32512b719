// Fails when a tracked source line is longer than the formatter's width. Biome wraps code
// but not template strings, and never reads asm/ (AssemblyScript) or shaders/ (WGSL).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const WIDTH = 140;
const files = execFileSync('git', ['ls-files', '*.ts', '*.mjs', '*.wgsl'], { encoding: 'utf8' }).split('\n').filter(Boolean);
const long = [];
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if ([...line].length > WIDTH) long.push(`${file}:${i + 1}: ${[...line].length} characters`);
    });
}
if (long.length > 0) {
  console.error(`${long.length} lines over ${WIDTH} characters:\n${long.join('\n')}`);
  process.exit(1);
}
