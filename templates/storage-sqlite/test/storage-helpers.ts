// Storage for tests, on this project's SQLite. Guards against tests touching the developer's database:
// every test database is a file in a fresh temp folder, never SQLITE_PATH's default ./data/app.db.
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import type { Dialect, Storage, StorageOptions } from '../src/storage/storage.js';
import { tempDir } from './helpers.js';

/** The variable that names this project's database (errors name it). */
export const STORAGE_VARIABLE = 'SQLITE_PATH';

/** This project's dialect. */
export function testDialect(): Dialect {
  return 'sqlite';
}

/** Env of a storage on an EMPTY database: a new file in a fresh temp folder. */
export async function freshStorageEnv(): Promise<Record<string, string>> {
  return { SQLITE_PATH: path.join(tempDir(), 'data', 'app.db') };
}

/** Opens the project's storage for a config (what openResources does). */
export function openStorageFor(config: Config, logger: Logger, options: StorageOptions = {}): Storage {
  return openSqliteStorage(config.sqlite, logger, options);
}

/** The database of `env` opened directly, bypassing the server (read-only; fixed SQL, values bound). */
function direct<T>(env: Record<string, string>, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(env['SQLITE_PATH'] as string, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Table names (SQLite's own bookkeeping tables left out). */
export async function tableNames(env: Record<string, string>): Promise<string[]> {
  return direct(env, (db) => (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((r) => r.name));
}

/** Column names of the notes table. */
export async function noteColumns(env: Record<string, string>): Promise<string[]> {
  return direct(env, (db) => (db.prepare("select name from pragma_table_info('notes') order by name").all() as { name: string }[]).map((r) => r.name));
}

/** Every row one owner has, by id. */
export async function notesOf(env: Record<string, string>, owner: string): Promise<unknown[]> {
  return direct(env, (db) => db.prepare('select id, owner, title, body, search_text, created_at from notes where owner = ? order by id').all(owner));
}

/** How many rows one owner has. */
export async function noteCount(env: Record<string, string>, owner: string): Promise<number> {
  return direct(env, (db) => (db.prepare('select count(*) as n from notes where owner = ?').get(owner) as { n: number }).n);
}
