// Shared by the benchmark scripts that drive a generated project (bench-http, bench-notes, soak): load a
// package from the project's own node_modules (so every figure uses the project's SDK and drivers), make an
// API key with the project's own `keys` script, and give a PostgreSQL project a database of its own for one
// run, dropped at the end — never the shared one.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** ESM entry of a package installed in the project (`pkg` or `pkg/sub`), via its package.json exports. */
export async function importFromProject(projectDir, specifier) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = specifier.slice(name.length); // '' or '/v4'
  const pkgDir = path.join(projectDir, 'node_modules', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  let target = pkg.exports?.[`.${sub}`] ?? (sub === '' ? pkg.exports ?? pkg.main : undefined);
  while (target && typeof target === 'object') target = target.import ?? target.default;
  if (typeof target !== 'string') throw new Error(`cannot resolve ${specifier} in ${pkgDir}`);
  return import(pathToFileURL(path.join(pkgDir, target)).href);
}

/**
 * A fresh database created through TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * with the project's own `pg`; resolves to its URL and a `drop()` that removes it (force: open sessions too).
 */
export async function createTempDatabase(projectDir, prefix) {
  const { default: pg } = await importFromProject(projectDir, 'pg');
  const admin = new URL(process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`; // generated: [a-z0-9_] only
  const adminQuery = async (text) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await adminQuery(`create database "${name}"`);
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists "${name}" with (force)`) };
}

/**
 * A key made by the project's `keys` script (`keys create`; stdout carries only the key) into the
 * API_KEYS_FILE of `env`, or undefined when the project has no `keys` script (auth none or oauth).
 */
export function createApiKey(projectDir, env, { name, scopes }) {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8'));
  const script = pkg.scripts?.keys;
  if (!script) return undefined;
  const match = /^node\s+(\S+)\s*$/.exec(script);
  if (!match) throw new Error(`unexpected "keys" script (${script}); expected "node <file>"`);
  const result = spawnSync(process.execPath, [path.join(projectDir, match[1]), 'create', '--name', name, '--scopes', scopes], { cwd: projectDir, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`keys create failed (exit ${result.status}): ${result.stderr}`);
  const key = result.stdout.trim();
  if (!/^smcp_\S+$/.test(key)) throw new Error('keys create did not print a key on stdout');
  return key;
}
