/**
 * Keeps every destination inside the project. A planned path is refused if it is absolute, has a
 * `..` segment, a NUL or a backslash, or resolves outside the root — whatever a name or template holds.
 * Windows forms are refused on every system, so a plan means the same everywhere: `C:\x`, `C:x` (relative
 * to drive C's current folder, not to the project), `\\host\share`, and a `:` anywhere (`a.txt:stream`
 * writes an NTFS alternate data stream).
 */
import path from 'node:path';
import { CliError } from '../errors.js';

export function assertSafeRelativePath(relative: string): void {
  const bad =
    relative.length === 0 ||
    relative.includes('\0') ||
    relative.includes('\\') ||
    relative.includes(':') ||
    path.posix.isAbsolute(relative) ||
    path.win32.isAbsolute(relative) ||
    relative.split('/').some((segment) => segment === '..' || segment === '.' || segment === '');
  if (bad) {
    throw new CliError('INTERNAL', `Refusing to write "${relative}": the path would leave the project folder.`);
  }
}

/** Absolute destination of a planned path, proven to sit inside root. */
export function resolveInside(root: string, relative: string): string {
  assertSafeRelativePath(relative);
  const destination = path.resolve(root, ...relative.split('/'));
  const rel = path.relative(root, destination);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new CliError('INTERNAL', `Refusing to write "${relative}": the path would leave the project folder.`);
  }
  return destination;
}
