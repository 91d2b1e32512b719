// Benchmark plumbing: timed repetitions that wait for the device, medians, ratios against
// a baseline measured in the same process, tables, and JSON results under bench/results/.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src/engine/backend.js';
import { median } from '../src/numbers.js';

export interface Timing {
  /** Milliseconds per repetition, in the order measured. */
  samples: number[];
  median: number;
}

/** Runs `fn` warmup + reps times, each timed until the backend has finished the work. */
export async function time(backend: Backend, fn: () => void | Promise<void>, reps = 5, warmup = 1): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    await backend.sync();
    const start = performance.now();
    await fn();
    await backend.sync();
    if (i >= warmup) samples.push(performance.now() - start);
  }
  return { samples, median: median(samples) };
}

/**
 * Times `candidate` and `baseline` in alternation (these machines are noisy: alternating
 * spreads the noise over both), and returns both timings.
 */
export async function compare(
  backend: Backend,
  candidate: () => void | Promise<void>,
  baseline: () => void | Promise<void>,
  reps = 5,
): Promise<{ candidate: Timing; baseline: Timing }> {
  await time(backend, candidate, 0, 1);
  await time(backend, baseline, 0, 1);
  const a: number[] = [],
    b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(...(await time(backend, candidate, 1, 0)).samples);
    b.push(...(await time(backend, baseline, 1, 0)).samples);
  }
  return { candidate: { samples: a, median: median(a) }, baseline: { samples: b, median: median(b) } };
}

export interface Row {
  [column: string]: string | number;
}

/** Prints rows as an aligned text table (and returns it as markdown). */
export function printTable(title: string, rows: Row[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  const cell = (v: string | number) => (typeof v === 'number' ? formatNumber(v) : v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c] ?? ''))));
  const markdown = [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c] ?? '')).join(' | ')} |`),
  ];
  return markdown.join('\n');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');

/** Writes `data` to bench/results/<name>.json and returns the path. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

export function gflops(flops: number, ms: number): number {
  return flops / ms / 1e6;
}
