// Audit log lock: one writer per file. Guards against two processes interleaving lines into one
// chain (which would break it): `<file>.lock` is created with O_EXCL and holds the writer's pid; a
// lock whose pid is dead is taken over (moved aside atomically first, so two starters cannot both
// win); a live holder, including this same process, makes the second writer refuse to start.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

export class AuditLogError extends Error {
  override name = 'AuditLogError';
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Creates `<file>.lock` with O_EXCL holding our pid; takes over a lock whose pid is dead. */
export function acquireLock(lockPath: string, file: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let content = readOr(lockPath, '');
    if (content === '') {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // a writer between create and write
      content = readOr(lockPath, '');
    }
    const pid = Number.parseInt(content, 10);
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new AuditLogError(
        `Audit log ${file} is in use by process ${pid} (lock ${lockPath}). One writer per file: stop that process or set AUDIT_LOG_FILE to another file.`,
      );
    }
    // Stale: move it aside atomically, and give it back if someone replaced it in the meantime.
    const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(lockPath, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (readOr(aside, '') !== content) {
      try {
        fs.linkSync(aside, lockPath);
      } catch {
        /* someone else holds the lock now: ours to refuse */
      }
      fs.rmSync(aside, { force: true });
      throw new AuditLogError(`Audit log ${file} lock ${lockPath} changed while being taken over; another process is starting.`);
    }
    fs.rmSync(aside, { force: true });
  }
  throw new AuditLogError(`Could not acquire the audit log lock ${lockPath}.`);
}

/** Removes the lock if it still holds our pid. */
export function releaseLock(lockPath: string): void {
  if (readOr(lockPath, '') === `${process.pid}\n`) fs.rmSync(lockPath, { force: true });
}
