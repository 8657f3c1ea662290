// SQLite storage (better-sqlite3 through Kysely). Guards against: a database file others can read (folder
// created 0700, file created 0600 by us, never through a symlink (openNoFollowSync), before SQLite opens it; its -wal/-shm get
// the same mode from SQLite); a symlink planted at SQLITE_PATH (refused); a folder others can write (they
// could swap the file: refused); several processes on one file (WAL, busy_timeout, so a writer waits
// instead of failing); deleted notes lingering in free pages (secure_delete); and a half-applied schema
// (Kysely's SqliteAdapter says DDL is not transactional; this dialect says it is — SQLite rolls DDL back
// fine — so each migration run is one transaction, retried within a bound when another process holds the
// write lock). Open or migration failures stop the start with a ConfigError naming SQLITE_PATH.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';
import { ConfigError } from '../config.js';
import type { SqliteConfig } from '../config/sqlite.js';
import type { Logger } from '../logger.js';
import { folderProblem } from '../security/file-policy.js';
import { hostPlatform, openNoFollowSync, type HostPlatform } from '../security/platform.js';
import { applyMigrations, errorCode, migrationsFor, MigrationError } from './migrate.js';
import type { Database } from './schema.js';
import type { Storage, StorageOptions } from './storage.js';

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** SqliteAdapter that lets the Migrator wrap each run in a transaction (SQLite's DDL is transactional). */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED…: another connection holds the lock; try again. */
export function isBusy(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(errorCode(error));
}

/**
 * Creates the folder (0700) and the file (0600) ourselves; refuses a symlink or a non-file at the path.
 * Exported for the test that fakes a platform without O_NOFOLLOW (Windows).
 */
export function prepareDatabaseFile(file: string, platform: HostPlatform = hostPlatform): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ConfigError(`SQLITE_PATH: cannot create its folder (${errorCode(error)})`);
  }
  const folder = folderProblem(dir);
  if (folder !== undefined) throw new ConfigError(`SQLITE_PATH: ${folder}`);
  let fd: number;
  try {
    // Where the system has no O_NOFOLLOW (Windows), openNoFollowSync lstats first and compares dev/ino after.
    fd = openNoFollowSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600, platform);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ELOOP') throw new ConfigError('SQLITE_PATH is a symbolic link: refused. Point SQLITE_PATH at the database file itself');
    throw new ConfigError(`SQLITE_PATH: cannot open the database file (${code})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError('SQLITE_PATH is not a regular file');
    if (platform.posixPermissions && (stat.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600); // an older, looser file
  } finally {
    fs.closeSync(fd);
  }
}

function openDatabase(file: string): BetterSqlite3.Database {
  prepareDatabaseFile(file);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS }); // timeout = busy_timeout
    // Fixed pragma statements through the driver's pragma API: no value here comes from outside.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    return db;
  } catch (error) {
    db?.close();
    throw new ConfigError(`SQLITE_PATH: cannot open the database (${errorCode(error)})`);
  }
}

export function openSqliteStorage(config: SqliteConfig, logger: Logger, options: StorageOptions = {}): Storage {
  const db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect({ database: openDatabase(config.path) }) });
  const migrations = options.migrations ?? migrationsFor('sqlite');
  let closing: Promise<void> | undefined;
  return Object.freeze({
    dialect: 'sqlite' as const,
    db,
    async migrate() {
      try {
        const report = await applyMigrations(db, { migrations, retryable: isBusy });
        if (report.applied.length > 0) logger.info({ applied: report.applied }, 'database migrations applied');
        return report;
      } catch (error) {
        const which = error instanceof MigrationError && error.migration !== undefined ? `migration ${error.migration}` : 'migrations';
        const code = errorCode(error);
        logger.error({ code, migration: which }, 'database migration failed');
        throw new ConfigError(`SQLITE_PATH: could not apply the database ${which} (${code}); the schema was left as it was`);
      }
    },
    close() {
      closing ??= db.destroy(); // waits for the running query (one connection), then closes the file
      return closing;
    },
  });
}
