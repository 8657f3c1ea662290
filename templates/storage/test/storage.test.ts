/**
 * Storage, in the project's dialect: migrations are idempotent, a failing migration leaves the schema
 * exactly as it was (one transaction per run, also on SQLite), two storages migrating one fresh
 * database at once apply each migration once, a migration failure stops the start with a ConfigError
 * naming the variable, close() releases the database, and shutdown (drain, then close: what the entries
 * run on SIGTERM) lets a call in flight finish its write before the database is closed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import * as z from 'zod/v4';
import type { Migration } from '../src/storage/kysely-migration.js';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { defineTool } from '../src/tools/define.js';
import { migrationsFor } from '../src/storage/migrate.js';
import type { Database } from '../src/storage/schema.js';
import { createLogger } from '../src/logger.js';
import type { Storage, StorageOptions } from '../src/storage/storage.js';
import { PROJECT_ROOT, startTestServer, testConfig, textOf } from './helpers.js';
import { freshStorageEnv, notesOf, openStorageFor, STORAGE_VARIABLE, testDialect } from './storage-helpers.js';

const VARIABLE = STORAGE_VARIABLE;

/** A storage on an empty database of this project's dialect (migrations NOT applied), and its env; closed by the caller. */
async function openTestStorage(options: StorageOptions & { env?: Record<string, string> } = {}): Promise<{ storage: Storage; env: Record<string, string> }> {
  const env = options.env ?? (await freshStorageEnv());
  return { storage: openStorageFor(testConfig(env), createLogger('silent'), options), env };
}

/** Tables (without the dialect's own) and their columns, as the database reports them. */
async function schemaOf(storage: Storage): Promise<Record<string, string[]>> {
  const tables = await storage.db.introspection.getTables({ withInternalKyselyTables: true });
  return Object.fromEntries(
    tables
      .filter((t) => t.name !== 'sqlite_sequence')
      .map((t) => [t.name, t.columns.map((c) => c.name).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function executed(storage: Storage): Promise<string[]> {
  const db = storage.db as unknown as Kysely<{ kysely_migration: { name: string } }>;
  return (await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()).map((r) => r.name);
}

/** A migration that changes the schema, then fails. */
const broken: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('half_done').addColumn('x', 'integer').execute();
    await db.schema.alterTable('notes').addColumn('extra', 'text').execute();
    throw new Error('boom: this migration fails on purpose');
  },
};

describe(`migrations (${testDialect()})`, () => {
  it('applies 0001-notes once; a second run applies nothing (idempotent)', async () => {
    const { storage } = await openTestStorage();
    try {
      expect(await storage.migrate()).toEqual({ applied: ['0001-notes'] });
      expect(await storage.migrate()).toEqual({ applied: [] });
      const schema = await schemaOf(storage);
      expect(schema['notes']).toEqual(['body', 'created_at', 'id', 'owner', 'search_text', 'title']);
      expect(await executed(storage)).toEqual(['0001-notes']);
    } finally {
      await storage.close();
    }
  });

  it('a failing migration rolls back: schema and migration table stay as they were; the error names the variable, not the cause text', async () => {
    const first = await openTestStorage();
    await first.storage.migrate();
    const before = await schemaOf(first.storage);
    await first.storage.close();

    const second = await openTestStorage({ env: first.env, migrations: { ...migrationsFor(testDialect()), '0002-broken': broken } });
    try {
      const error = await second.storage.migrate().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toContain(VARIABLE);
      expect(String((error as Error).message)).toContain('0002-broken');
      expect(String((error as Error).message)).not.toContain('boom');
      expect(await schemaOf(second.storage)).toEqual(before);
      expect(before['half_done']).toBeUndefined();
      expect(await executed(second.storage)).toEqual(['0001-notes']);
    } finally {
      await second.storage.close();
    }
  });

  it('a failing run on an empty database leaves it empty (all of the run is one transaction)', async () => {
    const { storage } = await openTestStorage({ migrations: { ...migrationsFor(testDialect()), '0002-broken': broken } });
    try {
      await expect(storage.migrate()).rejects.toBeInstanceOf(ConfigError);
      const schema = await schemaOf(storage);
      expect(schema['notes']).toBeUndefined();
      expect(schema['half_done']).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it('the up-to-date shortcut takes only an exact match: a pending migration still runs, an unknown recorded one is refused', async () => {
    const noop: Migration = { async up() {} };
    const first = await openTestStorage();
    await first.storage.migrate();
    await first.storage.close();
    const withPending = await openTestStorage({ env: first.env, migrations: { ...migrationsFor(testDialect()), '0002-noop': noop } });
    try {
      expect(await withPending.storage.migrate()).toEqual({ applied: ['0002-noop'] });
    } finally {
      await withPending.storage.close();
    }
    // The database now records 0002-noop, which the project's own migrations do not have.
    const current = await openTestStorage({ env: first.env });
    try {
      const error = await current.storage.migrate().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toContain(VARIABLE);
    } finally {
      await current.storage.close();
    }
  });

  it('two storages migrating one fresh database at once apply each migration exactly once', async () => {
    const a = await openTestStorage();
    const b = await openTestStorage({ env: a.env });
    try {
      const reports = await Promise.all([a.storage.migrate(), b.storage.migrate(), a.storage.migrate()]);
      expect(reports.flatMap((r) => r.applied)).toEqual(['0001-notes']);
      expect(await executed(a.storage)).toEqual(['0001-notes']);
    } finally {
      await Promise.all([a.storage.close(), b.storage.close()]);
    }
  });
});

describe(`close (${testDialect()})`, () => {
  it('after close, queries reject; close is idempotent', async () => {
    const { storage } = await openTestStorage();
    await storage.migrate();
    const db: Kysely<Database> = storage.db;
    await db.insertInto('notes').values({ owner: 'o', title: 't', body: 'b', search_text: 't\nb', created_at: new Date().toISOString() }).execute();
    await storage.close();
    await storage.close();
    await expect(db.selectFrom('notes').select('id').execute()).rejects.toThrow();
  });
});

describe(`shutdown (${testDialect()})`, () => {
  it('drain, then close (the SIGTERM path): a call in flight finishes its write, then the database is closed', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = (): void => undefined;
    const running = new Promise<void>((resolve) => (entered = resolve));
    // Test-only: waits for the test to open the gate, then writes a row owned by the caller.
    const slowAdd = defineTool({
      name: 'probe_slow_add',
      title: 'Probe: slow add',
      description: 'Test only: waits, then stores one row owned by the caller.',
      inputSchema: z.object({ title: z.string().min(1).max(100) }).strict(),
      scopes: [],
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      async handler(args, ctx) {
        entered();
        await gate;
        await ctx.resources.storage.db
          .insertInto('notes')
          .values({ owner: ctx.principal.id, title: args.title, body: '', search_text: args.title, created_at: new Date().toISOString() })
          .execute();
        return { content: [{ type: 'text', text: 'stored' }] };
      },
    });
    const env = { ...(await freshStorageEnv()), LOCAL_PRINCIPAL: 'closer' };
    const server = await startTestServer({ env, extraTools: [slowAdd] });
    const { runtime } = server;
    const call = server.client.callTool({ name: 'probe_slow_add', arguments: { title: 'in flight' } });
    await running;
    let closed = false;
    const shutdown = (async () => {
      await runtime.drain();
      await runtime.close();
      closed = true;
    })();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(closed, 'the database must stay open while a call runs').toBe(false);
    release();
    const result = await call;
    expect(result.isError, textOf(result)).toBeFalsy();
    await shutdown;
    expect(await notesOf(env, 'closer')).toEqual([expect.objectContaining({ owner: 'closer', title: 'in flight' })]);
    await expect(runtime.resources.storage.db.selectFrom('notes').select('id').execute()).rejects.toThrow();
    await server.client.close();
  });
});

describe('no SQL text in the server', () => {
  it('src/ never uses sql.raw, sql.lit, sql`…` templates, CompiledQuery.raw or a driver query() call', () => {
    const files = (fs.readdirSync(path.join(PROJECT_ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const forbidden = [/\bsql\.(raw|lit|join|ref|id|table)\s*\(/, /\bsql\s*(<[^>]*>)?\s*`/, /CompiledQuery\.raw/, /\.query\s*\(/, /\.(exec|prepare)\s*\(\s*['"`]/, /import\s*\{[^}]*\bsql\b[^}]*\}\s*from\s*'kysely'/];
    const offenders = files.flatMap((file) => {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, 'src', file), 'utf8');
      return forbidden.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern.source}`);
    });
    expect(offenders).toEqual([]);
  });
});
