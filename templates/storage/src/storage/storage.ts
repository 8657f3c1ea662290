// What the rest of the server sees of the database. Guards against tools reaching the driver: they get
// a typed Kysely instance (values always bound), never a connection, a pool or a way to run SQL text.
import type { Kysely } from 'kysely';
import type { Migration } from './kysely-migration.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface MigrationReport {
  /** Names of the migrations this call applied, in order ([] when the schema was up to date). */
  applied: string[];
}

export interface Storage {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** Applies every pending migration, each in a transaction (start-up and `npm run db:migrate`). */
  migrate(): Promise<MigrationReport>;
  /** Closes the database or pool; waits for running queries. Idempotent. */
  close(): Promise<void>;
}

export interface StorageOptions {
  /** Replaces the project's migrations (tests inject a failing one this way). Default: migrationsFor(dialect). */
  migrations?: Readonly<Record<string, Migration>>;
}
