// PyTorch as the peer (issue 16): the method's step as bench/peers/torch_step.py writes it, run
// by a Python that has PyTorch (Debian's python3-torch) in a process of its own. The bench drives
// that process a line at a time ('step', 'bank', 'peak'), so its rounds alternate with ours; the
// peer times each step itself, leaving the pipe out. Bench-only: the engine never runs Python.

import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A Python that imports torch, and torch's version. */
export interface TorchPython {
  python: string;
  version: string;
}

/**
 * The first of $SSLGPU_PYTHON, /usr/bin/python3 and python3 that imports torch (a pyenv or
 * virtual-environment python3 first on the PATH often lacks Debian's python3-torch), or why none does.
 */
export function findTorch(): TorchPython | { missing: string } {
  const candidates = [process.env.SSLGPU_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  const failures: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const probe = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
    const why = probe.error?.message || probe.stderr.trim().split('\n').pop() || `exit code ${probe.status}`;
    failures.push(`${python}: ${why}`);
  }
  return { missing: `no Python with PyTorch and NumPy (${failures.join('; ')}); install python3-torch or set SSLGPU_PYTHON` };
}

/** bench/peers/torch_step.py, from bench/ (tests) or from dist/scripts/ (the bench's bundle). */
export function torchScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const found = [join(here, 'peers'), join(here, '..', '..', 'bench', 'peers')]
    .map((dir) => join(dir, 'torch_step.py'))
    .find((path) => existsSync(path));
  if (!found) throw new Error(`bench/peers/torch_step.py not found from ${here}`);
  return found;
}

/** One setting of the step, as torch_step.py takes it. */
export interface TorchSetting {
  width: number;
  hidden: number;
  dim: number;
  /** Bank rows N (and synthetic training images). */
  bank: number;
  /** Sampled negatives K (0: every bank row). */
  negatives: number;
  batch: number;
  tau: number;
  lambda: number;
  m: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  cropMin: number;
  update: 'corrected' | 'npid';
}

/** The setting as torch_step.py's flags. */
function torchFlags(s: TorchSetting): string[] {
  const flags: [string, number | string][] = [
    ['width', s.width],
    ['hidden', s.hidden],
    ['dim', s.dim],
    ['bank', s.bank],
    ['negatives', s.negatives],
    ['batch', s.batch],
    ['tau', s.tau],
    ['lambda', s.lambda],
    ['m', s.m],
    ['lr', s.lr],
    ['momentum', s.momentum],
    ['weight-decay', s.weightDecay],
    ['crop-min', s.cropMin],
    ['update', s.update],
  ];
  return flags.flatMap(([name, value]) => [`--${name}`, String(value)]);
}

/** What the peer says of itself when it is ready: torch's version and build, its threads, its CPUs. */
export interface TorchInfo {
  torch: string;
  threads: number;
  blas: string;
  capability: string;
  /** OMP_WAIT_POLICY as the peer ran it ('default': libgomp spins a while at its barriers). */
  ompWaitPolicy: string;
  affinity: number[];
  augment: string;
}

/** The worker process of torch_step.py serve at one setting. */
export class TorchPeer {
  private stderr = '';
  info!: TorchInfo;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4000);
    });
    child.on('error', (error) => {
      this.stderr += `\n${error.message}`;
    });
    child.stdin.on('error', () => {}); // a peer that died says why through read(), not through EPIPE
  }

  /** Starts the worker on `threads` threads, pinned to CPU `core` (taskset -c) when given. */
  static async start(python: string, setting: TorchSetting, threads: number, core?: number): Promise<TorchPeer> {
    const command = [python, torchScript(), 'serve', ...torchFlags(setting), '--threads', String(threads)];
    if (core !== undefined) command.unshift('taskset', '-c', String(core));
    const count = String(threads);
    const env = { ...process.env, OMP_NUM_THREADS: count, MKL_NUM_THREADS: count, OPENBLAS_NUM_THREADS: count };
    const child = spawn(command[0]!, command.slice(1), { env, stdio: 'pipe' });
    const peer = new TorchPeer(child, createInterface({ input: child.stdout })[Symbol.asyncIterator]());
    peer.info = (await peer.read()) as unknown as TorchInfo;
    return peer;
  }

  private async read(): Promise<Record<string, unknown>> {
    const next = await this.lines.next();
    if (next.done) {
      if (this.child.exitCode === null && this.child.signalCode === null) await once(this.child, 'close');
      const status = this.child.signalCode ?? `exit code ${this.child.exitCode}`;
      throw new Error(`the PyTorch peer stopped (${status}): ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
    const reply = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof reply.error === 'string') throw new Error(`the PyTorch peer: ${reply.error}`);
    return reply;
  }

  /** One command ('step', 'bank' or 'peak') and its reply. */
  async request(command: 'step' | 'bank' | 'peak'): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${command}\n`);
    return this.read();
  }

  close(): void {
    this.child.stdin.end('quit\n');
  }
}

/** The CPUs this process may run on (taskset's list, "0-3,6" expanded), or null without taskset. */
function affinity(): number[] | null {
  try {
    const text = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
    return text
      .trim()
      .split(': ')
      .pop()!
      .split(',')
      .flatMap((part) => {
        const [from, to = from] = part.split('-').map(Number) as [number, number?];
        return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
      });
  } catch {
    return null;
  }
}

/**
 * Pins this process, every thread of it, to its first allowed CPU; returns that CPU and the
 * way back to the CPUs it had, or null where taskset is missing or refused.
 */
export function pinToOneCore(): { core: number; restore: () => void } | null {
  const cpus = affinity();
  if (!cpus || cpus.length === 0) return null;
  // -a walks the process's threads; one that exits meanwhile (a worker of the last backend) fails the walk, so try again
  const set = (list: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        execFileSync('taskset', ['-a', '-c', '-p', list, String(process.pid)], { stdio: 'ignore' });
        return;
      } catch (error) {
        if (attempt === 5) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  };
  try {
    set(String(cpus[0]));
  } catch {
    return null;
  }
  return { core: cpus[0]!, restore: () => set(cpus.join(',')) };
}
