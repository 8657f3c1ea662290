/**
 * SQLite storage: the folder is created 0700 and the file 0600 (its -wal/-shm too), a symlink at
 * SQLITE_PATH is refused, a folder others can write is refused, the pragmas are set (WAL, busy_timeout,
 * foreign_keys, secure_delete), the data file is declared sensitive (no folder a tool exposes may hold
 * it), and several processes share one file: concurrent writers lose nothing and concurrent `db:migrate` runs apply each migration once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openSqliteStorage, prepareDatabaseFile } from '../src/storage/sqlite.js';
import { platformFor } from '../src/security/platform.js';
import type { Storage } from '../src/storage/storage.js';
import { featureSensitivePaths } from '../src/config/features.js';
import { serverTestEnv } from './feature-env.js';
import { PROJECT_ROOT, randomKey, REQUIRED_TEST_ENV, tempDir } from './helpers.js';

const posixOnly = process.platform === 'win32' ? it.skip : it;
const logger = createLogger('silent');
const mode = (p: string) => fs.statSync(p).mode & 0o777;
const opened: Storage[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

function open(file: string): Storage {
  const storage = openSqliteStorage({ path: file }, logger);
  opened.push(storage);
  return storage;
}

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/** Runs `node --input-type=module -e code` and resolves with its exit code and output. */
function runNode(code: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

const dist = (file: string) => pathToFileURL(path.join(PROJECT_ROOT, 'dist', file)).href;

describe('file and folder', () => {
  posixOnly('creates the folder 0700 and the file 0600; the -wal and -shm files are 0600 too', async () => {
    const file = path.join(tempDir(), 'nested', 'data', 'app.db');
    const storage = open(file);
    await storage.migrate();
    await storage.db.insertInto('notes').values({ owner: 'o', title: 't', body: 'b', search_text: 't\nb', created_at: new Date().toISOString() }).execute();
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(path.join(path.dirname(file), '..'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
  });

  posixOnly('tightens an existing file that others could read to 0600', () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.db');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    open(file);
    expect(mode(file)).toBe(0o600);
  });

  /** A symlink to a file and a dangling one, each where the database would be; `open` must refuse both. */
  function refusesPlantedSymlinks(open: (file: string) => unknown): string {
    const dir = tempDir();
    const target = path.join(dir, 'elsewhere.txt');
    fs.writeFileSync(target, 'not a database');
    fs.symlinkSync(target, path.join(dir, 'app.db'));
    fs.symlinkSync(path.join(dir, 'missing.db'), path.join(dir, 'dangling.db'));
    for (const name of ['app.db', 'dangling.db']) {
      const error = refusal(() => open(path.join(dir, name)));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/SQLITE_PATH is a symbolic link/);
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('not a database');
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
    return dir;
  }

  posixOnly('refuses a symlink at SQLITE_PATH (to a file or dangling) and leaves its target alone', () => {
    refusesPlantedSymlinks((file) => openSqliteStorage({ path: file }, logger));
  });

  posixOnly('refuses a symlink at SQLITE_PATH on a system without O_NOFOLLOW (Windows faked): checked with lstat, not dropped', () => {
    const windows = platformFor('win32', {});
    const dir = refusesPlantedSymlinks((file) => prepareDatabaseFile(file, windows));
    prepareDatabaseFile(path.join(dir, 'plain.db'), windows); // a plain path is still created
    expect(fs.statSync(path.join(dir, 'plain.db')).isFile()).toBe(true);
  });

  posixOnly('refuses a folder that group or others can write', () => {
    const dir = path.join(tempDir(), 'shared');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    const error = refusal(() => openSqliteStorage({ path: path.join(dir, 'app.db') }, logger));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^SQLITE_PATH: .*writable by group or others/);
    expect(fs.existsSync(path.join(dir, 'app.db'))).toBe(false);
  });

  it('refuses a file that is not a database with a ConfigError naming SQLITE_PATH', () => {
    const file = path.join(tempDir(), 'app.db');
    fs.writeFileSync(file, 'x'.repeat(4096));
    fs.chmodSync(file, 0o600);
    const error = refusal(() => openSqliteStorage({ path: file }, logger));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^SQLITE_PATH: .*\(SQLITE_NOTADB\)/);
  });

  it('sets WAL, busy_timeout 5000, foreign_keys and secure_delete on the connection', async () => {
    const storage = open(path.join(tempDir(), 'app.db'));
    const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(storage.db)).rows[0];
    expect(await one(sql<{ journal_mode: string }>`pragma journal_mode`)).toEqual({ journal_mode: 'wal' });
    expect(await one(sql<{ timeout: number }>`pragma busy_timeout`)).toEqual({ timeout: 5000 });
    expect(await one(sql<{ foreign_keys: number }>`pragma foreign_keys`)).toEqual({ foreign_keys: 1 });
    expect(await one(sql<{ secure_delete: number }>`pragma secure_delete`)).toEqual({ secure_delete: 1 });
  });
});

describe('SQLITE_PATH configuration', () => {
  const load = (env: Record<string, string>) => loadConfig({ ...REQUIRED_TEST_ENV, AUDIT_HMAC_KEY: randomKey(), ...env }, { envFile: null });

  it('defaults to ./data/app.db under the project root; a relative path resolves from the root', () => {
    expect(load({}).sqlite?.path).toBe(path.join(PROJECT_ROOT, 'data', 'app.db'));
    expect(load({ SQLITE_PATH: 'var/db.sqlite' }).sqlite?.path).toBe(path.join(PROJECT_ROOT, 'var', 'db.sqlite'));
  });

  it('refuses :memory:, file: URIs and NUL, naming SQLITE_PATH', () => {
    for (const value of [':memory:', 'file:app.db?mode=memory', 'a\0b']) expect(() => load({ SQLITE_PATH: value })).toThrow(/SQLITE_PATH/);
  });

  it('declares the database file a sensitive path, so no folder a tool exposes may contain it', () => {
    const file = path.join(tempDir(), 'data', 'app.db');
    expect(featureSensitivePaths(load({ ...serverTestEnv(tempDir()), SQLITE_PATH: file }))).toContainEqual(['SQLITE_PATH', file]);
  });
});

describe('several processes on one file', () => {
  it('two processes writing rows at once: no crash, no lost row', async () => {
    const file = path.join(tempDir(), 'data', 'app.db');
    const seed = open(file);
    await seed.migrate();
    const PER_PROCESS = 400;
    const script = (who: string) => `
      import { openSqliteStorage } from ${JSON.stringify(dist('storage/sqlite.js'))};
      import { createLogger } from ${JSON.stringify(dist('logger.js'))};
      const storage = openSqliteStorage({ path: ${JSON.stringify(file)} }, createLogger('silent'));
      await storage.migrate();
      for (let i = 0; i < ${PER_PROCESS}; i++) {
        await storage.db.insertInto('notes').values({ owner: ${JSON.stringify(who)}, title: 'n' + i, body: 'body ' + i, search_text: 'n' + i, created_at: new Date().toISOString() }).execute();
      }
      await storage.close();
      process.stdout.write('done');`;
    const results = await Promise.all([runNode(script('p1')), runNode(script('p2')), seed.db.selectFrom('notes').select('id').execute()]);
    for (const r of results.slice(0, 2) as { code: number | null; stdout: string; stderr: string }[]) {
      expect(r.stderr).toBe('');
      expect(r).toMatchObject({ code: 0, stdout: 'done' });
    }
    const counts = await seed.db.selectFrom('notes').select(['owner', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('owner').orderBy('owner').execute();
    expect(counts).toEqual([{ owner: 'p1', n: PER_PROCESS }, { owner: 'p2', n: PER_PROCESS }]);
  });

  it('two `db:migrate` processes on a fresh file: both succeed, the migration is applied once', async () => {
    const dir = tempDir();
    const env = {
      ...process.env,
      AUDIT_HMAC_KEY: randomKey(),
      AUDIT_LOG_DIR: path.join(dir, 'audit'),
      ...REQUIRED_TEST_ENV,
      ...serverTestEnv(dir), // this project's per-server test settings
      SQLITE_PATH: path.join(dir, 'data', 'app.db'),
    };
    const run = `await import(${JSON.stringify(dist('cli/db-migrate.js'))});`;
    const [a, b, c] = await Promise.all([runNode(run, env), runNode(run, env), runNode(run, env)]);
    for (const r of [a, b, c]) expect(r.code, r.stderr).toBe(0);
    expect([a, b, c].map((r) => r.stdout).join('')).toBe('0001-notes\n');
    const db = new BetterSqlite3(env.SQLITE_PATH, { readonly: true });
    try {
      expect(db.prepare('select name from kysely_migration').all()).toEqual([{ name: '0001-notes' }]);
    } finally {
      db.close();
    }
  });
});
