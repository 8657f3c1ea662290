/**
 * PostgreSQL storage, against the local server (the run FAILS without one: test/postgres-setup.ts):
 * DATABASE_URL is validated and never echoed (problems, logs, thrown errors, the entry's stderr), an
 * unreachable database stops the start with a ConfigError naming DATABASE_URL and the error code, the
 * URL's own TLS demand is honoured, statement_timeout is set, two instances migrating one fresh
 * database apply each migration once (advisory lock), and a connection killed by the server — in use
 * or idle, or held between two statements of a transaction — fails only the call in flight, with the
 * guard's generic error, without crashing the process or leaking the broken connection (a pool of one
 * still serves the next call).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it, it as itAlways } from 'vitest';
import * as z from 'zod/v4';
import { ConfigError } from '../src/config.js';
import { parsePostgresConfig, type PostgresConfig } from '../src/config/postgres.js';
import { createLogger } from '../src/logger.js';
import { openPostgresStorage } from '../src/storage/postgres.js';
import { defineTool } from '../src/tools/define.js';
import type { Storage } from '../src/storage/storage.js';
import { serverTestEnv } from './feature-env.js';
import { PROJECT_ROOT, randomKey, REQUIRED_TEST_ENV, startTestServer, tempDir, textOf, type TestServer } from './helpers.js';
import { DB_TOOLS } from './fixtures/db-tools.js';
import { createDatabase, dropDatabase, randomDatabaseName } from './postgres-setup.js';

const PASSWORD = 'S3cretPw';
const UNREACHABLE = `postgres://dbuser:${PASSWORD}@127.0.0.1:1/appdb`;

function parse(env: Record<string, string>): { config: PostgresConfig | undefined; problems: string[] } {
  const problems: string[] = [];
  return { config: parsePostgresConfig(env, { root: PROJECT_ROOT, problems }), problems };
}

function mustParse(env: Record<string, string>): PostgresConfig {
  const { config, problems } = parse(env);
  if (!config) throw new Error(problems.join('; '));
  return config;
}

const databases: string[] = [];
const storages: Storage[] = [];
afterEach(async () => {
  for (const s of storages.splice(0)) await s.close();
  for (const name of databases.splice(0)) await dropDatabase(name);
});

async function freshDatabase(): Promise<string> {
  const name = randomDatabaseName('pg');
  databases.push(name);
  return createDatabase(name);
}

function open(config: PostgresConfig, logs?: { text: string }): Storage {
  const logger = createLogger('debug', { write: (chunk: string) => void (logs ? (logs.text += chunk) : undefined) });
  const storage = openPostgresStorage(config, logger);
  storages.push(storage);
  return storage;
}

describe('DATABASE_URL', () => {
  it('is required, must be a postgres(ql):// URL with a host and a database; the value is never echoed', () => {
    expect(parse({}).problems).toEqual([expect.stringMatching(/^DATABASE_URL is required/)]);
    for (const bad of [
      `mysql://u:${PASSWORD}@h/db`,
      `http://u:${PASSWORD}@h/db`,
      `postgres://u:${PASSWORD}@h`,
      `postgres://u:${PASSWORD}@h/`,
      `u:${PASSWORD}@h/db`,
      `postgres://u:${PASSWORD}@[bad/db`,
    ]) {
      const { config, problems } = parse({ DATABASE_URL: bad });
      expect(config, bad).toBeUndefined();
      expect(problems.join('\n')).toMatch(/^DATABASE_URL is not a valid PostgreSQL URL/);
      expect(problems.join('\n')).not.toContain(PASSWORD);
      expect(problems.join('\n')).not.toMatch(/\bu:|@h/);
    }
    expect(mustParse({ DATABASE_URL: 'postgresql://u:p@db.internal:5432/app?sslmode=require' })).toBeDefined();
    expect(mustParse({ DATABASE_URL: 'postgres:///app?host=/var/run/postgresql' })).toBeDefined();
  });

  it('is kept in a Secret: JSON and inspection print [REDACTED]', () => {
    const config = mustParse({ DATABASE_URL: UNREACHABLE });
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
    expect(String(config.url)).toBe('[REDACTED]');
  });

  it('bounds DATABASE_STATEMENT_TIMEOUT_MS and DATABASE_POOL_MAX', () => {
    expect(mustParse({ DATABASE_URL: UNREACHABLE })).toMatchObject({ statementTimeoutMs: 10_000, poolMax: 10 });
    expect(parse({ DATABASE_URL: UNREACHABLE, DATABASE_POOL_MAX: '0' }).problems).toEqual([expect.stringMatching(/^DATABASE_POOL_MAX must be between 1 and 100/)]);
    expect(parse({ DATABASE_URL: UNREACHABLE, DATABASE_STATEMENT_TIMEOUT_MS: 'soon' }).problems).toEqual([
      expect.stringMatching(/^DATABASE_STATEMENT_TIMEOUT_MS must be a whole number/),
    ]);
  });

  it('an unreachable database stops the start: ConfigError naming DATABASE_URL and the code, never the password, user or host (nor in the logs)', async () => {
    const logs = { text: '' };
    const storage = open(mustParse({ DATABASE_URL: UNREACHABLE }), logs);
    const error = await storage.migrate().then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^DATABASE_URL: .*\(ECONNREFUSED\)/);
    for (const leak of [PASSWORD, 'dbuser', '127.0.0.1', ':1/', 'appdb']) {
      expect(error?.message).not.toContain(leak);
      expect(logs.text).not.toContain(leak);
    }
    expect(logs.text).toContain('ECONNREFUSED');
  });

  it('the built entry (`start`) exits 1 with that message, no secret on stdout or stderr', () => {
    const dir = tempDir();
    // The entry `start` runs (stdio or HTTP, whichever this project starts with).
    const start = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'] ?? '';
    const entry = /^node (\S+)$/.exec(start)?.[1];
    expect(entry, start).toBeDefined();
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, entry!)], {
      env: {
        PATH: process.env['PATH'] ?? '',
        AUDIT_HMAC_KEY: randomKey(),
        AUDIT_LOG_DIR: path.join(dir, 'audit'),
        ...REQUIRED_TEST_ENV,
        ...serverTestEnv(dir), // this project's per-server test settings
        DATABASE_URL: UNREACHABLE,
      },
      input: '',
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/DATABASE_URL: .*\(ECONNREFUSED\)/);
    for (const leak of [PASSWORD, 'dbuser', '127.0.0.1', 'appdb']) expect(result.stdout + result.stderr).not.toContain(leak);
  });

  it('honours the URL\'s TLS demand (sslmode=require against a server without TLS fails, never falls back to plaintext)', async () => {
    const url = new URL(await freshDatabase());
    url.searchParams.set('sslmode', 'require');
    const storage = open(mustParse({ DATABASE_URL: url.toString() }));
    await expect(storage.migrate()).rejects.toThrow(/^DATABASE_URL: cannot reach the database/);
  });
});

describe('connections', () => {
  it('sets statement_timeout from DATABASE_STATEMENT_TIMEOUT_MS; a longer statement is cancelled', async () => {
    const storage = open(mustParse({ DATABASE_URL: await freshDatabase(), DATABASE_STATEMENT_TIMEOUT_MS: '300' }));
    const shown = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(storage.db);
    expect(shown.rows[0]?.statement_timeout).toBe('300ms');
    await expect(sql`select pg_sleep(2)`.execute(storage.db)).rejects.toMatchObject({ code: '57014' });
  });

  it('two instances migrating one fresh database at once apply each migration once (advisory lock)', async () => {
    const config = mustParse({ DATABASE_URL: await freshDatabase() });
    const all = [open(config), open(config), open(config), open(config)];
    const reports = await Promise.all(all.map((s) => s.migrate()));
    expect(reports.flatMap((r) => r.applied)).toEqual(['0001-notes']);
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(all[0]!.db);
    expect(rows.rows).toEqual([{ name: '0001-notes' }]);
  });
});

describe('connection loss under the real guard', () => {
  const it = itAlways;
  let server: TestServer | undefined;
  let admin: pg.Client | undefined;
  afterEach(async () => {
    await admin?.end().catch(() => undefined);
    await server?.close();
    admin = server = undefined;
  });

  const terminateOthers = async (client: pg.Client): Promise<number> =>
    (await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')).rowCount ?? 0;

  it('a call in flight fails with the generic error, the next call works, the process does not crash; the password is never logged', async () => {
    const url = await freshDatabase();
    const withPassword = new URL(url);
    withPassword.password = PASSWORD; // trust auth on the test server: accepted, unused
    // A pool of ONE connection: if the broken client leaked (never released), the next call would wait for
    // it until the connect timeout and fail, so "the next call works" also proves nothing leaks.
    server = await startTestServer({ env: { DATABASE_URL: withPassword.toString(), DATABASE_POOL_MAX: '1' }, extraTools: DB_TOOLS });
    expect((await server.client.callTool({ name: 'probe_add', arguments: { title: 'first' } })).isError).toBeFalsy();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('begin');
    await admin.query('lock table notes in access exclusive mode'); // the next insert waits on this lock
    const inFlight = server.client.callTool({ name: 'probe_add', arguments: { title: 'second' } });
    for (let i = 0; i < 100; i++) {
      const waiting = await admin.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      if ((waiting.rows[0] as { n: number }).n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await terminateOthers(admin)).toBeGreaterThan(0);
    const failed = await inFlight;
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/^Internal error \(ref [0-9a-f-]{36}\)$/);
    await admin.query('rollback');
    // Every terminated backend has exited (a busy machine may take a moment), so the pool has seen its idle
    // connections close: the next call opens a fresh one instead of racing a backend that is still dying.
    for (let i = 0; i < 100; i++) {
      const others = await admin.query('select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      if ((others.rows[0] as { n: number }).n === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 50));

    const next = await server.client.callTool({ name: 'probe_add', arguments: { title: 'third' } });
    expect(next.isError, textOf(next)).toBeFalsy();
    const found = await server.client.callTool({ name: 'probe_list', arguments: {} });
    expect(textOf(found)).toContain('"third"');
    expect(textOf(found)).not.toContain('"second"');
    expect(server.logs()).toContain('57P01'); // admin_shutdown, logged under the correlation id
    expect(server.logs()).not.toContain(PASSWORD);
    expect(JSON.stringify(server.audit())).not.toContain(PASSWORD);
  });

  it('a connection killed while a call holds it between statements (no query running) fails that call only; no crash', async () => {
    // pg emits `error` on a checked-out client with no query running, and the pool removes its own listener
    // at checkout: without the per-client listener in src/storage/postgres.ts this is an uncaught exception.
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = (): void => undefined;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const twoStep = defineTool({
      name: 'probe_two_step',
      title: 'Probe: two statements in a transaction',
      description: 'Test only: inserts, waits for the test, inserts again, in one transaction.',
      inputSchema: z.object({ title: z.string().min(1).max(100) }).strict(),
      scopes: [],
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      async handler(args, ctx) {
        await ctx.resources.storage.db.transaction().execute(async (trx) => {
          const row = { owner: ctx.principal.id, title: args.title, body: '', search_text: args.title, created_at: new Date().toISOString() };
          await trx.insertInto('notes').values(row).execute();
          entered();
          await gate;
          await trx.insertInto('notes').values(row).execute();
        });
        return { content: [{ type: 'text', text: 'stored twice' }] };
      },
    });
    const url = await freshDatabase();
    server = await startTestServer({ env: { DATABASE_URL: url, DATABASE_POOL_MAX: '1' }, extraTools: [...DB_TOOLS, twoStep] });
    const inFlight = server.client.callTool({ name: 'probe_two_step', arguments: { title: 'half' } });
    await holding;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    expect(await terminateOthers(admin)).toBe(1);
    for (let i = 0; i < 100 && !/"msg":"database connection lost"/.test(server.logs()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.logs()).toMatch(/"msg":"database connection lost"/); // the client's own listener, not the pool's idle one
    release();
    const failed = await inFlight;
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/^Internal error \(ref [0-9a-f-]{36}\)$/);
    const next = await server.client.callTool({ name: 'probe_add', arguments: { title: 'after' } });
    expect(next.isError, textOf(next)).toBeFalsy();
    expect(textOf(await server.client.callTool({ name: 'probe_list', arguments: {} }))).toBe('["after"]'); // the half transaction rolled back
  });

  it('idle connections killed by the server are replaced; the next call works', async () => {
    const url = await freshDatabase();
    server = await startTestServer({ env: { DATABASE_URL: url }, extraTools: DB_TOOLS });
    await Promise.all([1, 2, 3].map((i) => server!.client.callTool({ name: 'probe_add', arguments: { title: `n${i}` } })));
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    expect(await terminateOthers(admin)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200)); // the pool sees the idle clients die
    expect(server.logs()).toMatch(/database connection lost/);
    const result = await server.client.callTool({ name: 'probe_list', arguments: {} });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toContain('"n3"');
  });
});
