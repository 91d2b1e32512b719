// A one-line progress bar on stderr: done/total, rate, the latest figures and the ETA.
// Redrawn in place on a terminal, printed at most every few seconds elsewhere (CI logs).

import { formatDuration } from '../numbers.js';

export class ProgressBar {
  private readonly start = performance.now();
  private lastPrint = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'img',
  ) {}

  update(done: number, units: number, fields: Record<string, string> = {}): void {
    const now = performance.now();
    if (!this.tty && now - this.lastPrint < 5000 && done < this.total) return;
    this.lastPrint = now;
    const seconds = (now - this.start) / 1000;
    const rate = units / Math.max(seconds, 1e-9);
    const eta = done > 0 ? (seconds / done) * (this.total - done) : 0;
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ');
    const line = `${this.label} ${bar} ${done}/${this.total}  ${rate.toFixed(0)} ${this.unit}/s  ${extra}  ETA ${formatDuration(eta)}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  finish(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
