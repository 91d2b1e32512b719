// Files in Node: writes that never leave a half-written file behind.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes to a temporary file beside `path`, flushes it, then renames it into place. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number | null = openSync(temporary, 'w');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  try {
    const dir = openSync(dirname(path), 'r');
    fsyncSync(dir); // make the rename itself durable
    closeSync(dir);
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  }
}

export function readFileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
