// PostgreSQL storage (pg.Pool through Kysely). Guards against: a crash when the server or a network
// drops a connection (an `error` listener on the pool for idle clients AND on every client, since pg
// emits `error` on a checked-out client that has no listener of its own); runaway statements
// (statement_timeout) and connection floods (bounded pool, connect timeout); two instances migrating at
// once (Kysely's Postgres adapter holds an advisory lock for the run, which is one transaction); and the
// URL leaking (it goes to pg as is — sslmode and friends apply — and only error CODES are logged or put in
// the ConfigError that stops the start, never a driver message that may name the host or user).
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { ConfigError } from '../config.js';
import type { PostgresConfig } from '../config/postgres.js';
import type { Logger } from '../logger.js';
import { applyMigrations, errorCode, migrationsFor, MigrationError } from './migrate.js';
import type { Database } from './schema.js';
import type { Storage, StorageOptions } from './storage.js';

const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;

/** The driver error's code; pg's own connect timeout has none, so it is named here. */
function pgCode(error: unknown): string {
  const code = errorCode(error);
  if (code !== 'unknown') return code;
  const cause = error instanceof MigrationError ? error.cause : error;
  return cause instanceof Error && /timeout/i.test(cause.message) ? 'ETIMEDOUT' : code;
}

export function openPostgresStorage(config: PostgresConfig, logger: Logger, options: StorageOptions = {}): Storage {
  const pool = new pg.Pool({
    connectionString: config.url.reveal(),
    max: config.poolMax,
    statement_timeout: config.statementTimeoutMs,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    application_name: 'mcp-server',
  });
  // An idle client killed by the server (restart, pg_terminate_backend, network): the pool drops it.
  pool.on('error', (error) => logger.warn({ code: pgCode(error) }, 'idle database connection lost; the pool replaces it'));
  // A client in use when its connection drops: its query rejects (the call fails with a generic error);
  // this listener keeps pg's `error` event from becoming an uncaught exception.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ code: pgCode(error) }, 'database connection lost'));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const migrations = options.migrations ?? migrationsFor('postgres');
  let closing: Promise<void> | undefined;
  return Object.freeze({
    dialect: 'postgres' as const,
    db,
    async migrate() {
      try {
        const report = await applyMigrations(db, { migrations });
        if (report.applied.length > 0) logger.info({ applied: report.applied }, 'database migrations applied');
        return report;
      } catch (error) {
        const failed = error instanceof MigrationError ? error.migration : undefined;
        const code = pgCode(error);
        logger.error({ code, migration: failed }, 'database migration failed');
        throw new ConfigError(
          failed === undefined
            ? `DATABASE_URL: cannot reach the database or read its migrations (${code}); check DATABASE_URL and that the server is up`
            : `DATABASE_URL: could not apply the database migration ${failed} (${code}); the schema was left as it was`,
        );
      }
    },
    close() {
      closing ??= db.destroy(); // pool.end(): waits for checked-out clients, then closes every connection
      return closing;
    },
  });
}
