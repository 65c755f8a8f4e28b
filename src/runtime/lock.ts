// One engine per data directory: an exclusive lock file holding the owner's pid. A lock left by a
// process that no longer exists (SIGKILL) is taken over; a live owner makes the newcomer refuse.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';

export const LOCK_FILE = 'run.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockOwner(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export class DirLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string): DirLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new DirLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = lockOwner(dir);
        if (owner !== null && owner !== process.pid) {
          throw new CliError(`another relayer run (pid ${owner}) owns ${dir}; refusing to start a second engine on the same data`);
        }
        try {
          unlinkSync(path);
        } catch {
          /* raced with another starter: retry */
        }
      }
    }
    throw new CliError(`could not take the lock ${path}`);
  }

  release(): void {
    try {
      if (Number(readFileSync(this.path, 'utf8').trim()) === process.pid) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
