// `npm run fuzz`: the fuzz targets of test/fuzz/targets.ts for many cases each (FUZZ_RUNS,
// 10,000 by default) under a fresh seed (FUZZ_SEED replays a run). The cases run in a worker
// thread, each under a time limit (FUZZ_CASE_MS, 2,000 ms): a case past it is counted as a
// hang, the worker is replaced and the run goes on from the next case. Prints, per target,
// the cases, clean refusals, acceptances, crashes (another exception, or the property broken)
// and hangs, then the first crash of each target; exits non-zero on any crash or hang.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { type Outcome, TARGETS } from '../test/fuzz/targets.js';

interface Job {
  target: number;
  seed: number;
  runs: number;
  /** The first case to run (after a hang, the one after it). */
  from: number;
}

type Report = { ready: true } | { index: number; outcome: Outcome } | { index: number; crash: string; input: string };

interface Counts {
  cases: number;
  refused: number;
  accepted: number;
  crashes: number;
  hangs: number;
  firstCrash?: string;
}

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Worker: the job's cases, one report each. */
function work({ target, seed, runs, from }: Job): void {
  const { cases, run } = TARGETS[target]!;
  const inputs = fc.sample(cases, { seed, numRuns: runs }); // the same cases in every worker of this seed
  const post = (report: Report) => parentPort!.postMessage(report);
  post({ ready: true });
  for (let index = from; index < runs; index++) {
    try {
      post({ index, outcome: run(inputs[index] as never) });
    } catch (error) {
      const crash =
        error instanceof Error ? `${error.name}: ${error.message}${error.cause ? ` (cause: ${error.cause})` : ''}` : String(error);
      post({ index, crash, input: fc.stringify(inputs[index]).slice(0, 400) });
    }
  }
}

/** Runs one worker from case `job.from` until it finishes, hangs or dies; resolves to the next case to run. */
function runWorker(job: Job, counts: Counts, caseMs: number): Promise<number> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let next = job.from;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        counts.cases++;
        counts.hangs++;
        void worker.terminate();
        resolve(next + 1);
      }, ms);
    };
    arm(120_000); // starting the worker and drawing the cases
    worker.on('message', (report: Report) => {
      if ('ready' in report) return arm(caseMs);
      counts.cases++;
      if ('crash' in report) {
        counts.crashes++;
        counts.firstCrash ??= `case ${report.index}: ${report.crash}\n    input: ${report.input}`;
      } else counts[report.outcome]++;
      next = report.index + 1;
      arm(caseMs);
    });
    worker.on('error', (error) => {
      // the worker itself died (out of memory, say): that case crashed
      counts.cases++;
      counts.crashes++;
      counts.firstCrash ??= `case ${next}: the worker died: ${error.message}`;
      clearTimeout(timer);
      resolve(next + 1);
    });
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve(next);
    });
  });
}

async function main(): Promise<void> {
  const runs = env('FUZZ_RUNS', 10_000);
  const seed = env('FUZZ_SEED', Date.now() % 2 ** 31);
  const caseMs = env('FUZZ_CASE_MS', 2000);
  console.log(`fuzz: ${runs} cases per target, seed ${seed} (FUZZ_SEED=${seed} replays them), ${caseMs} ms a case at most\n`);
  const columns = ['cases', 'refused', 'accepted', 'crashes', 'hangs', 'seconds'];
  const width = Math.max(...TARGETS.map((t) => t.name.length));
  console.log(`${'target'.padEnd(width)}  ${columns.map((c) => c.padStart(8)).join(' ')}`);
  const failures: string[] = [];
  for (const [target, { name }] of TARGETS.entries()) {
    const counts: Counts = { cases: 0, refused: 0, accepted: 0, crashes: 0, hangs: 0 };
    const start = performance.now();
    for (let from = 0; from < runs; ) from = await runWorker({ target, seed, runs, from }, counts, caseMs);
    const row = [counts.cases, counts.refused, counts.accepted, counts.crashes, counts.hangs].map(String);
    row.push(((performance.now() - start) / 1000).toFixed(1));
    console.log(`${name.padEnd(width)}  ${row.map((c) => c.padStart(8)).join(' ')}`);
    if (counts.firstCrash) failures.push(`${name}, first crash, ${counts.firstCrash}`);
    if (counts.hangs > 0) failures.push(`${name}: ${counts.hangs} hangs`);
  }
  if (failures.length > 0) {
    console.error(`\n${failures.join('\n')}`);
    process.exit(1);
  }
}

if (isMainThread) await main();
else work(workerData as Job);
