// Settings of the SQLite storage. Guards against a database file that depends on the working directory
// (a relative SQLITE_PATH resolves from the project root) and against odd paths (NUL, overlong). The
// file itself (mode, symlink) is checked when it is opened: src/storage/sqlite.ts.
import path from 'node:path';

export interface SqliteConfig {
  /** SQLITE_PATH, absolute: the database file (its -wal and -shm files sit beside it). */
  path: string;
}

export const SQLITE_PATH_DEFAULT = './data/app.db';

export function parseSqliteConfig(env: Record<string, string | undefined>, ctx: { root: string; problems: string[] }): SqliteConfig | undefined {
  const start = ctx.problems.length;
  const raw = env['SQLITE_PATH'];
  const value = raw === undefined || raw.trim() === '' ? SQLITE_PATH_DEFAULT : raw.trim();
  if (value.length > 4096) ctx.problems.push('SQLITE_PATH is too long');
  if (value.includes('\0')) ctx.problems.push('SQLITE_PATH must not contain NUL');
  if (value === ':memory:' || value.startsWith('file:')) ctx.problems.push('SQLITE_PATH must be a file path (no :memory:, no file: URI)');
  if (ctx.problems.length > start) return undefined;
  const resolved = path.resolve(ctx.root, value);
  if (resolved.endsWith(path.sep)) ctx.problems.push('SQLITE_PATH must name a file, not a folder');
  if (ctx.problems.length > start) return undefined;
  return Object.freeze({ path: resolved });
}
