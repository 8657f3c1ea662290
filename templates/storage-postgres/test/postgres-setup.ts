// vitest globalSetup: creates ONE PostgreSQL database for this test run and drops it afterwards. Guards
// against tests touching a real database (a fresh, randomly named one per run) and against skipped
// tests: no reachable server (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
// FAILS the run. Test-only SQL below names a database we generated ([a-z0-9_] only), never input.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the database this run created (postgres projects). */
    testDatabaseUrl: string;
  }
}

export const ADMIN_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres';

export function adminUrl(): string {
  return process.env['TEST_DATABASE_URL'] || ADMIN_URL_DEFAULT;
}

/** URL of `database` on the admin URL's server. */
export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs fixed admin SQL against the admin database. */
export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export function randomDatabaseName(tag: string): string {
  const name = `mcp_test_${tag}_${randomBytes(6).toString('hex')}`;
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error('bad test database name');
  return name;
}

export async function createDatabase(name: string): Promise<string> {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error('bad test database name');
  await adminQuery(`create database "${name}"`);
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error('bad test database name');
  await adminQuery(`drop database if exists "${name}" with (force)`);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const name = randomDatabaseName('run');
  try {
    project.provide('testDatabaseUrl', await createDatabase(name));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`PostgreSQL tests need a server: could not create a test database via TEST_DATABASE_URL (${String(code ?? 'error')}). Start PostgreSQL or set TEST_DATABASE_URL.`);
  }
  return () => dropDatabase(name);
}
