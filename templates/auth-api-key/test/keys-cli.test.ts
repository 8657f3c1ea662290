// The `keys` script end to end: spawns the BUILT CLI (`node dist/cli/keys.js`, as the script does) and
// proves that `create` prints exactly the key on stdout (nothing else), that the file holds only a
// hash with mode 0600, that `list` never shows a hash or key, that bad names/scopes are refused and
// that `revoke` takes effect on a running authenticator without a restart. Needs the build (the
// `test` script compiles first); no package manager is involved.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../src/logger.js';
import { hashApiKey } from '../src/security/api-key-format.js';
import { createAuthenticator } from '../src/security/auth.js';
import { PROJECT_ROOT, randomKey, tempDir, testConfig } from './helpers.js';
import { serverTestEnv } from './feature-env.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'keys.js');
const KEY_SHAPE = /^smcp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

function setup() {
  const dir = tempDir('mcp-keys-cli-');
  const file = path.join(dir, 'api-keys.json');
  const env = { PATH: process.env['PATH'] ?? '', AUDIT_HMAC_KEY: randomKey(), ...serverTestEnv(dir), API_KEYS_FILE: file };
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tempDir('mcp-cwd-'), env, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { file, run };
}

describe('keys CLI', () => {
  test('create prints ONLY the new key on stdout; the file keeps its hash (0600), never the key', () => {
    const { file, run } = setup();
    const r = run('create', '--name', 'ci-bot', '--scopes', 'files:read');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^smcp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    const key = r.stdout.trim();
    expect(r.stderr).toContain('ci-bot');
    expect(r.stderr).not.toContain(key);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(key.split('_').slice(2).join('_'));
    const data = JSON.parse(text) as { version: number; keys: { id: string; name: string; hash: string; scopes: string[] }[] };
    expect(data).toMatchObject({ version: 1, keys: [{ name: 'ci-bot', scopes: ['files:read'], hash: hashApiKey(key) }] });
    expect(key).toContain(`_${data.keys[0]!.id}_`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  test('list and list --json show id, name, scopes, dates and status — never a hash or key', () => {
    const { file, run } = setup();
    const key = run('create', '--name', 'alice', '--scopes', 'files:read', '--expires-in', '30d').stdout.trim();
    const hash = hashApiKey(key).slice(7);
    const table = run('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/alice .*active .*files:read/);
    const json = run('list', '--json');
    const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(Object.keys(rows[0]!).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'name', 'revokedAt', 'scopes', 'status']);
    const days = (Date.parse(rows[0]!['expiresAt'] as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    for (const out of [table.stdout, table.stderr, json.stdout, json.stderr]) {
      expect(out).not.toContain(hash);
      expect(out).not.toContain(key);
      expect(out).not.toContain('sha256');
    }
    expect(fs.existsSync(file)).toBe(true);
  });

  test('revoke through the CLI → the live authenticator refuses the key on the next request (no restart)', async () => {
    const { file, run } = setup();
    const key = run('create', '--name', 'temp', '--scopes', 'files:read').stdout.trim();
    const auth = createAuthenticator(testConfig({ API_KEYS_FILE: file }), createLogger('silent'));
    const server = http.createServer((req, res) => void auth.authenticate(req).then((result) => res.end(JSON.stringify(result))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const call = async () => (await (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json()) as { ok: boolean; reason?: string };
    try {
      expect(await call()).toMatchObject({ ok: true });
      const r = run('revoke', 'temp');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(await call()).toMatchObject({ ok: false, reason: expect.stringContaining('revoked') });
      expect(JSON.parse(run('list', '--json').stdout)).toMatchObject([{ name: 'temp', status: 'revoked' }]);
      // The name is free again after revocation (rotation keeps the principal id).
      expect(KEY_SHAPE.test(run('create', '--name', 'temp', '--scopes', 'files:read').stdout.trim())).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('refusals: duplicate name, bad name, bad scope, bad duration, unknown name to revoke — nothing on stdout', () => {
    const { run } = setup();
    expect(run('create', '--name', 'dup', '--scopes', 'files:read').code).toBe(0);
    for (const args of [
      ['create', '--name', 'dup', '--scopes', 'files:read'],
      ['create', '--name', '../evil', '--scopes', 'files:read'],
      ['create', '--name', 'a'.repeat(65), '--scopes', 'files:read'],
      ['create', '--name', 'ok', '--scopes', 'bad"scope'],
      ['create', '--name', 'ok', '--scopes', 'files:read', '--expires-in', '30 days'],
      ['create', '--name', 'ok'],
      ['create', '--name', 'ok', '--scopes', 'files:read', '--admin'],
      ['revoke', 'nobody'],
    ]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });

  test('a scope no tool declares is allowed but warned about on stderr', () => {
    const { run } = setup();
    const r = run('create', '--name', 'future', '--scopes', 'reports:read');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(KEY_SHAPE);
    expect(r.stderr).toMatch(/warning: no tool declares reports:read/);
  });

  test('a group-writable keys file is refused by the CLI too (exit 2)', () => {
    const { file, run } = setup();
    expect(run('create', '--name', 'x', '--scopes', '').code).toBe(0);
    fs.chmodSync(file, 0o666);
    const r = run('list');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('writable by group or others');
  });

  test('a keys file in a folder others can write is refused by the CLI too (exit 2), naming API_KEYS_FILE', () => {
    const { file, run } = setup();
    expect(run('create', '--name', 'x', '--scopes', '').code).toBe(0);
    fs.chmodSync(path.dirname(file), 0o777);
    try {
      const r = run('create', '--name', 'y', '--scopes', '');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/API_KEYS_FILE .*its folder .* writable by group or others/);
    } finally {
      fs.chmodSync(path.dirname(file), 0o700);
    }
  });

  // The built HTTP entry, as the start:http script runs it: exit 1, the variable named, nothing on stdout.
  test('the built HTTP entry exits 1 naming API_KEYS_FILE when the keys file\'s folder is writable by others', () => {
    const dir = tempDir('mcp-keys-entry-');
    const keysDir = path.join(dir, 'keys');
    fs.mkdirSync(keysDir, { mode: 0o700 });
    fs.chmodSync(keysDir, 0o777);
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'transports', 'http.js')], {
      // Empty values override anything the project's .env sets for these variables.
      env: { PATH: process.env['PATH'] ?? '', HOST: '', PUBLIC_URL: '', ALLOWED_HOSTS: '', TLS_CERT_FILE: '', TLS_KEY_FILE: '', TRUST_PROXY: '', AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: path.join(dir, 'audit'), ...serverTestEnv(dir), API_KEYS_FILE: path.join(keysDir, 'api-keys.json'), PORT: '0' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/API_KEYS_FILE .*writable by group or others/);
    expect(r.stdout).toBe('');
  });
});
