// Migrations: Kysely's Migrator over an in-code provider (no files read at run time, so nothing on disk
// can add a migration). Guards against a half-applied schema (each run is one transaction: SQLite too,
// see sqlite.ts) and against two processes migrating at once (PostgreSQL: Kysely's advisory lock;
// SQLite: a busy run is retried, within a bound, and then finds the work done).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from './kysely-migration.js';
import { notesMigration } from './migrations/0001-notes.js';
import type { Database } from './schema.js';
import type { Dialect, MigrationReport } from './storage.js';

/** The project's migrations, in name order. */
export function migrationsFor(dialect: Dialect): Readonly<Record<string, Migration>> {
  return Object.freeze({ '0001-notes': notesMigration(dialect) });
}

class InCodeProvider implements MigrationProvider {
  constructor(private readonly migrations: Readonly<Record<string, Migration>>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.migrations };
  }
}

/** A migration run failed; `migration` names the one that failed (if one did), `cause` is the driver error. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(readonly migration: string | undefined, options: { cause: unknown }) {
    super(migration === undefined ? 'migration run failed' : `migration ${migration} failed`, options);
  }
}

export interface ApplyOptions {
  migrations: Readonly<Record<string, Migration>>;
  /** Errors worth another attempt (SQLite: SQLITE_BUSY*). Default: none. */
  retryable?: (error: unknown) => boolean;
  /** Most attempts when `retryable` says so. Default 20. */
  attempts?: number;
}

/** Kysely's record of applied migrations (its default table), read here only to see whether a run has work to do. */
type MigrationRecord = { kysely_migration: { name: string } };

/**
 * True when the database records exactly these migrations as applied: one query at start-up instead of the
 * Migrator's introspection, lock and transaction. Anything else (no record table yet, a pending migration,
 * a recorded one the code no longer has, an error) is false, and the Migrator decides and checks as always.
 */
async function upToDate(db: Kysely<Database>, migrations: ApplyOptions['migrations']): Promise<boolean> {
  try {
    const rows = await db.withTables<MigrationRecord>().selectFrom('kysely_migration').select('name').orderBy('name').execute();
    const names = Object.keys(migrations).sort();
    return rows.length === names.length && rows.every((row, i) => row.name === names[i]);
  } catch {
    return false;
  }
}

async function applyOnce(db: Kysely<Database>, migrations: ApplyOptions['migrations']): Promise<MigrationReport> {
  if (await upToDate(db, migrations)) return { applied: [] };
  const migrator = new Migrator({ db, provider: new InCodeProvider(migrations) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw new MigrationError(results?.find((r) => r.status === 'Error')?.migrationName, { cause: error });
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Applies every pending migration; throws MigrationError (the schema is then as it was before the run). */
export async function applyMigrations(db: Kysely<Database>, options: ApplyOptions): Promise<MigrationReport> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyOnce(db, options.migrations);
    } catch (error) {
      const cause = error instanceof MigrationError ? error.cause : error;
      if (attempt >= attempts || !options.retryable?.(cause)) throw error;
      await sleep(25 + Math.floor(Math.random() * 50 * attempt)); // back off, jittered
    }
  }
}

/** The driver's error code (SQLITE_BUSY, ECONNREFUSED, 28P01, …), never its message (which may name hosts or SQL). */
export function errorCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code)) return code;
    if (e instanceof AggregateError) {
      const inner = e.errors.map(errorCode).find((c) => c !== 'unknown');
      if (inner !== undefined) return inner;
    }
  }
  return 'unknown';
}
