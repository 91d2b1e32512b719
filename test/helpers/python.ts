// Debian's python3 for the checks against PyTorch and torchvision, where the modules they need
// are installed; otherwise the reason, which the tests print as they skip.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's python3 (where python3-torch installs), unless SSLGPU_PYTHON names another or there is none. */
const PYTHON = process.env.SSLGPU_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Why PYTHON cannot import `modules` (null: it can); printed as a warning when it cannot. */
export function missingPython(modules: string[], install: string, what: string): string | null {
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status === 0) return null;
  const why = (probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)) || 'no reason given';
  const missing = `${PYTHON} cannot import ${modules.join(' and ')} (${why}); apt-get install ${install}`;
  console.warn(`skipping ${what}: ${missing}`);
  return missing;
}

/** Runs a Python script with `env` added; its standard output, or an error with its standard error. */
export function runPython(script: string, cwd: string, env: Record<string, string> = {}): string {
  const { status, stdout, stderr } = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (status !== 0) throw new Error(`${PYTHON} failed (${status}):\n${stderr}`);
  return stdout;
}
