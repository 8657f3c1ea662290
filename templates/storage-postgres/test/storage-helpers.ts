// Storage for tests, on this project's PostgreSQL. Guards against tests touching a real database: they
// use the database test/postgres-setup.ts created for this run, or a fresh one per test that needs an
// empty database (dropped after the file).
import pg from 'pg';
import { afterAll } from 'vitest';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { openPostgresStorage } from '../src/storage/postgres.js';
import type { Dialect, Storage, StorageOptions } from '../src/storage/storage.js';
import { createDatabase, dropDatabase, randomDatabaseName } from './postgres-setup.js';

/** The variable that names this project's database (errors name it). */
export const STORAGE_VARIABLE = 'DATABASE_URL';

/** This project's dialect. */
export function testDialect(): Dialect {
  return 'postgres';
}

const fresh: string[] = [];
afterAll(async () => {
  for (const name of fresh.splice(0)) await dropDatabase(name);
});

/** Env of a storage on an EMPTY database: a new PostgreSQL database, dropped after the test file. */
export async function freshStorageEnv(): Promise<Record<string, string>> {
  const name = randomDatabaseName('t');
  fresh.push(name);
  return { DATABASE_URL: await createDatabase(name) };
}

/** Opens the project's storage for a config (what openResources does). */
export function openStorageFor(config: Config, logger: Logger, options: StorageOptions = {}): Storage {
  return openPostgresStorage(config.postgres, logger, options);
}

/** The database of `env` opened directly, bypassing the server (fixed SQL, values bound). */
async function direct<T>(env: Record<string, string>, read: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: env['DATABASE_URL'] });
  await client.connect();
  try {
    return await read(client);
  } finally {
    await client.end();
  }
}

/** Table names of the public schema. */
export async function tableNames(env: Record<string, string>): Promise<string[]> {
  return direct(env, async (c) => (await c.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' order by 1")).rows.map((r) => r.name));
}

/** Column names of the notes table. */
export async function noteColumns(env: Record<string, string>): Promise<string[]> {
  return direct(env, async (c) => (await c.query<{ name: string }>("select column_name as name from information_schema.columns where table_schema = 'public' and table_name = 'notes' order by 1")).rows.map((r) => r.name));
}

/** Every row one owner has, by id. */
export async function notesOf(env: Record<string, string>, owner: string): Promise<unknown[]> {
  return direct(env, async (c) => (await c.query('select id, owner, title, body, search_text, created_at from notes where owner = $1 order by id', [owner])).rows);
}

/** How many rows one owner has. */
export async function noteCount(env: Record<string, string>, owner: string): Promise<number> {
  return direct(env, async (c) => Number((await c.query<{ n: string }>('select count(*) as n from notes where owner = $1', [owner])).rows[0]?.n ?? 0));
}
