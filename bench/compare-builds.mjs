// `node bench/compare-builds.mjs <rev> [rounds]`: is this tree slower than <rev>? Builds the
// benchmarks of both (the old one in a temporary worktree), then alternates them round by
// round on the WebAssembly backend, `train` (our method step) and `profile` (one step kernel
// by kernel), so both see the same machine and the same background. Prints and writes the
// medians and their ratio to bench/results/compare-<rev>.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [rev, roundsArg = '5'] = process.argv.slice(2);
if (!rev) {
  console.error('usage: node bench/compare-builds.mjs <git revision> [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const here = resolve(import.meta.dirname, '..');
const git = (...args) => execFileSync('git', args, { cwd: here, encoding: 'utf8' }).trim();
const commit = git('rev-parse', '--short', rev);
// named before the runs, which rewrite this tree's bench/results
const tree = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ', with changes' : ''}`;
const old = mkdtempSync(join(tmpdir(), `sslgpu-${commit}-`));
git('worktree', 'add', '--detach', old, commit);

const run = (dir, args) => execFileSync('node', args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const results = (dir, name) => JSON.parse(readFileSync(join(dir, 'bench', 'results', `${name}.json`), 'utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// the runs here overwrite this tree's committed results; put them back afterwards
const kept = ['train.json', 'train.md', 'profile-wasm.json'].map((name) => join(here, 'bench', 'results', name));
const keptBytes = kept.map((path) => (existsSync(path) ? readFileSync(path) : null));

try {
  symlinkSync(join(here, 'node_modules'), join(old, 'node_modules'));
  for (const dir of [old, here]) run(dir, ['scripts/build.mjs', 'bench/main.ts']);
  // what each bench reports: our 2-thread images/s in `train`, the wall time of one step in `profile`
  const measures = {
    'train: images/s (higher is better)': {
      args: ['train', '--backend', 'wasm', '--peers', 'none', '--reps', '3'],
      read: (dir) => results(dir, 'train').groups[0].rows[0]['images/s'],
    },
    'profile: ms per step (lower is better)': {
      args: ['profile', '--backend', 'wasm'],
      read: (dir) => results(dir, 'profile-wasm').wallMs,
    },
  };
  const samples = Object.fromEntries(Object.keys(measures).map((name) => [name, { old: [], new: [] }]));
  // each round's profile rows, by build
  const kernelRounds = { old: [], new: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of Object.entries(measures)) {
      // alternate which build goes first, so neither always gets the warmer machine
      const order = round % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
      for (const which of order) {
        const dir = which === 'old' ? old : here;
        run(dir, ['dist/scripts/main.js', ...measure.args]);
        samples[name][which].push(measure.read(dir));
        if (measure.args[0] === 'profile') kernelRounds[which].push(results(dir, 'profile-wasm').rows);
      }
      const [before, after] = [samples[name].old.at(-1), samples[name].new.at(-1)];
      console.log(`round ${round + 1}/${rounds}, ${name}: ${commit} ${before.toFixed(1)}, this tree ${after.toFixed(1)}`);
    }
  }
  const rows = Object.entries(samples).map(([name, s]) => {
    const [a, b] = [median(s.old), median(s.new)];
    return `| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(3)} |`;
  });
  const table = [
    `This tree (${tree}) against ${commit}, ` +
      `medians of ${rounds} alternating rounds, WebAssembly backend, ${new Date().toISOString().slice(0, 10)}:`,
    '',
    `| measure | ${commit} | this tree | this / ${commit} |`,
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
  const kernels = kernelTable(kernelRounds, commit);
  console.log(`\n${table}\n\n${kernels}`);
  writeFileSync(join(here, 'bench', 'results', `compare-${commit}.md`), `${table}\n\n${kernels}\n`);
} finally {
  for (const [i, path] of kept.entries()) {
    if (keptBytes[i]) writeFileSync(path, keptBytes[i]);
    else rmSync(path, { force: true });
  }
  git('worktree', 'remove', '--force', old);
  if (existsSync(old)) rmSync(old, { recursive: true, force: true });
}

/** The profile's kernels before and after: median ms per step, speedup, GFLOPS (convolutions and matmuls). */
function kernelTable(rounds, commit) {
  // a convolution's pass and shape, whichever algorithm ran it
  const key = (kernel) => kernel.replace(/^(winograd|conv2d) /, 'conv2d ');
  const byKernel = (which) => {
    const found = new Map();
    for (const rows of rounds[which]) {
      for (const row of rows) {
        const entry = found.get(key(row.kernel)) ?? { ms: [], gflops: [], calls: row['calls / step'], names: new Set() };
        entry.ms.push(row['ms / step']);
        if (row.GFLOPS !== '') entry.gflops.push(row.GFLOPS);
        entry.names.add(row.kernel.split(' ')[0]);
        found.set(key(row.kernel), entry);
      }
    }
    return found;
  };
  const [before, after] = [byKernel('old'), byKernel('new')];
  const fmt = (x, digits = 1) => (x === undefined ? '—' : x.toFixed(digits));
  const lines = [...new Set([...before.keys(), ...after.keys()])]
    .map((name) => ({ name, b: before.get(name), a: after.get(name) }))
    .sort((x, y) => (y.b ? median(y.b.ms) : 0) - (x.b ? median(x.b.ms) : 0))
    .map(({ name, b, a }) => {
      const [msB, msA] = [b && median(b.ms), a && median(a.ms)];
      const algorithm = a?.names.has('winograd') ? ' (Winograd after)' : '';
      const gflops = (e) => (e && e.gflops.length > 0 ? fmt(median(e.gflops)) : '');
      const speedup = msB !== undefined && msA !== undefined ? `${(msB / msA).toFixed(2)}×` : msA === undefined ? 'gone' : 'new';
      const cells = [`${name}${algorithm}`, fmt(b?.calls, 0), fmt(msB), fmt(a?.calls, 0), fmt(msA), speedup, gflops(b), gflops(a)];
      return `| ${cells.join(' | ')} |`;
    });
  return [
    `The profiled step kernel by kernel (medians of the rounds; GFLOPS: the direct convolution's or the matmul's FLOPs over the time):`,
    '',
    `| kernel | calls ${commit} | ms ${commit} | calls now | ms now | speedup | GFLOPS ${commit} | GFLOPS now |`,
    '|---|---|---|---|---|---|---|---|',
    ...lines,
  ].join('\n');
}
