// API-key authentication, tested on REAL IncomingMessage objects (a tiny node:http server on
// loopback calls the authenticator), independent of the HTTP app. Proves every refusal (missing,
// malformed, unknown id, wrong secret, revoked, expired), the success path (principal, scopes,
// bounded expiresAt, no key in AuthInfo), revocation without a restart, the file-mode policy and
// the atomic 0600 writes. Keys are made here; nothing secret is committed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { generateApiKey, hashApiKey } from '../src/security/api-key-format.js';
import { modeProblem, ownershipProblem, writeKeysFile, type KeyEntry } from '../src/security/api-key-store.js';
import { createAuthenticator, TOKEN_PLACEHOLDER, type Authenticator, type AuthResult } from '../src/security/auth.js';
import { platformFor } from '../src/security/platform.js';
import { loadConfig } from '../src/config.js';
import { randomKey, REQUIRED_TEST_ENV, tempDir, testConfig } from './helpers.js';
import { authenticatorProbe as probe, type AuthenticatorProbe as Probe } from './http-helpers.js';

function entry(name: string, scopes: string[], extra: Partial<KeyEntry> = {}): { key: string; entry: KeyEntry } {
  const { key, id, hash } = generateApiKey();
  return { key, entry: { id, name, hash, scopes, createdAt: new Date().toISOString(), ...extra } };
}

function capturedLogger(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  let text = '';
  return { logger: createLogger('info', { write: (chunk: string) => void (text += chunk) }), text: () => text };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API-key authenticator', () => {
  let config: Config;
  let file: string;
  let p: Probe;
  const alice = entry('alice', ['files:read', 'notes:write']);
  const old = entry('old', ['files:read'], { revokedAt: new Date(Date.now() - 1000).toISOString() });
  const expired = entry('expired', ['files:read'], { expiresAt: new Date(Date.now() - 1000).toISOString() });
  const soon = entry('soon', [], { expiresAt: new Date(Date.now() + 10 * 60_000).toISOString() });
  const logs = capturedLogger();

  beforeAll(async () => {
    file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    config = testConfig({ API_KEYS_FILE: file });
    writeKeysFile(file, { version: 1, keys: [alice.entry, old.entry, expired.entry, soon.entry] });
    p = await probe(createAuthenticator(config, logs.logger));
  });
  afterAll(() => p.close());

  test('a valid key → principal apikey:<name> with the key\'s scopes; the key itself is not in AuthInfo', async () => {
    const { result } = await p.call(bearer(alice.key));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toEqual({ id: 'apikey:alice', scopes: ['files:read', 'notes:write'], kind: 'apikey' });
    expect(result.authInfo.scopes).toEqual(['files:read', 'notes:write']);
    expect(result.authInfo.token).toBe(TOKEN_PLACEHOLDER);
    expect(JSON.stringify(result)).not.toContain(alice.key);
    const now = Date.now() / 1000;
    expect(result.authInfo.expiresAt).toBeGreaterThan(now + 3500);
    expect(result.authInfo.expiresAt).toBeLessThanOrEqual(now + 3600);
    expect((result.authInfo.extra as { principal: unknown }).principal).toEqual(result.principal);
  });

  test('the Bearer scheme is case-insensitive, as RFC 7235 says', async () => {
    expect((await p.call({ authorization: `bearer ${alice.key}` })).result.ok).toBe(true);
  });

  test('AuthInfo.expiresAt is capped by the key\'s own expiry', async () => {
    const { result } = await p.call(bearer(soon.key));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.authInfo.expiresAt).toBe(Math.floor(Date.parse(soon.entry.expiresAt!) / 1000));
  });

  test('no Authorization header → refused, with the bare challenge (no error code)', async () => {
    const { result, challenge } = await p.call();
    expect(result).toEqual({ ok: false, reason: 'no credentials' });
    expect(challenge).toBe('Bearer realm="mcp"');
  });

  test.each([
    ['another scheme', `Basic ${Buffer.from('alice:pw').toString('base64')}`],
    ['an empty bearer', 'Bearer '],
    ['not a key', 'Bearer hello'],
    ['a truncated key', `Bearer ${alice.key.slice(0, -1)}`],
    ['a key with an extra character', `Bearer ${alice.key}A`],
    ['an upper-case id', `Bearer ${alice.key.replace(/^smcp_([0-9a-f]+)/, (_m, id: string) => `smcp_${id.toUpperCase()}`)}`],
    ['two tokens', `Bearer ${alice.key} ${alice.key}`],
  ])('malformed credentials (%s) → refused, challenge with invalid_token', async (_label, header) => {
    const { result, challenge } = await p.call({ authorization: header });
    expect(result.ok).toBe(false);
    expect(challenge).toBe('Bearer realm="mcp", error="invalid_token"');
  });

  test('an unknown id → refused', async () => {
    const stranger = generateApiKey().key;
    const { result } = await p.call(bearer(stranger));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('unknown API key id') });
  });

  test('a known id with a wrong secret → refused (and the reason never holds the secret)', async () => {
    const forged = `${alice.key.slice(0, 18)}${generateApiKey().key.slice(18)}`;
    expect(forged.slice(0, 18)).toBe(alice.key.slice(0, 18));
    const { result } = await p.call(bearer(forged));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('wrong secret') });
    expect(JSON.stringify(result)).not.toContain(forged.slice(18));
  });

  test('a revoked key → refused', async () => {
    expect((await p.call(bearer(old.key))).result).toMatchObject({ ok: false, reason: expect.stringContaining('revoked') });
  });

  test('an expired key → refused', async () => {
    expect((await p.call(bearer(expired.key))).result).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
  });
});

describe('keys file reload and file policy', () => {
  test('a key added or revoked in the file counts from the next request, without a restart', async () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    const bob = entry('bob', ['files:read']);
    writeKeysFile(file, { version: 1, keys: [] });
    const p = await probe(createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger));
    try {
      expect((await p.call(bearer(bob.key))).result.ok).toBe(false);
      writeKeysFile(file, { version: 1, keys: [bob.entry] });
      expect((await p.call(bearer(bob.key))).result.ok).toBe(true);
      writeKeysFile(file, { version: 1, keys: [{ ...bob.entry, revokedAt: new Date().toISOString() }] });
      expect((await p.call(bearer(bob.key))).result).toMatchObject({ ok: false, reason: expect.stringContaining('revoked') });
    } finally {
      await p.close();
    }
  });

  test('an in-place edit of the same size in the same millisecond is still noticed (inode/ctime in the signature)', async () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    const carol = entry('carol', ['files:read']);
    writeKeysFile(file, { version: 1, keys: [carol.entry] });
    const stat = fs.statSync(file);
    const p = await probe(createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger));
    try {
      expect((await p.call(bearer(carol.key))).result.ok).toBe(true);
      // Same length, same mtime: swap the hash for another one in place, then restore the mtime.
      const text = fs.readFileSync(file, 'utf8').replace(carol.entry.hash, hashApiKey('x'));
      fs.writeFileSync(file, text);
      fs.utimesSync(file, stat.atime, stat.mtime);
      expect((await p.call(bearer(carol.key))).result.ok).toBe(false);
    } finally {
      await p.close();
    }
  });

  test('a group- or world-WRITABLE keys file stops the start-up, naming the fix', () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    writeKeysFile(file, { version: 1, keys: [] });
    fs.chmodSync(file, 0o620);
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).toThrow(/writable by group or others.*chmod 600/);
  });

  test('a keys file made writable while running → every key refused until fixed (fail closed)', async () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    const dave = entry('dave', []);
    writeKeysFile(file, { version: 1, keys: [dave.entry] });
    const logs = capturedLogger();
    const p = await probe(createAuthenticator(testConfig({ API_KEYS_FILE: file }), logs.logger));
    try {
      expect((await p.call(bearer(dave.key))).result.ok).toBe(true);
      fs.chmodSync(file, 0o666);
      expect((await p.call(bearer(dave.key))).result.ok).toBe(false);
      expect(logs.text()).toContain('writable by group or others');
      fs.chmodSync(file, 0o600);
      expect((await p.call(bearer(dave.key))).result.ok).toBe(true);
    } finally {
      await p.close();
    }
  });

  test('a keys file in a folder group or others can write stops the start-up, naming API_KEYS_FILE and the fix', () => {
    const dir = tempDir('mcp-keys-');
    const file = path.join(dir, 'api-keys.json');
    writeKeysFile(file, { version: 1, keys: [] });
    fs.chmodSync(dir, 0o777);
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).toThrow(/API_KEYS_FILE .*its folder .* writable by group or others .*chmod go-w/);
    fs.chmodSync(dir, 0o1777); // the sticky bit is no excuse: a missing or replaced file could be planted
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).toThrow(/writable by group or others/);
    fs.chmodSync(dir, 0o700);
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).not.toThrow();
  });

  // Making a file another user owns needs root. CI runs these as root; a developer's non-root run skips
  // them (and only them), and under CI=true they are never skipped.
  const asRoot = process.getuid?.() === 0 || process.env['CI'] === 'true';
  test.skipIf(!asRoot)('a keys file owned by another user stops the start-up (even at 0600); handed over while running → every key refused (needs root to chown; skipped otherwise)', async () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    const frank = entry('frank', []);
    writeKeysFile(file, { version: 1, keys: [frank.entry] });
    fs.chownSync(file, 65534, 65534);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).toThrow(/API_KEYS_FILE .* owned by another user \(uid 65534.*chown/);

    fs.chownSync(file, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    const logs = capturedLogger();
    const p = await probe(createAuthenticator(testConfig({ API_KEYS_FILE: file }), logs.logger));
    try {
      expect((await p.call(bearer(frank.key))).result.ok).toBe(true);
      fs.chownSync(file, 65534, 65534);
      expect((await p.call(bearer(frank.key))).result.ok).toBe(false);
      expect(logs.text()).toContain('owned by another user');
    } finally {
      await p.close();
    }
  });

  test.skipIf(!asRoot)('a keys file in a folder owned by another user stops the start-up (needs root to chown; skipped otherwise)', () => {
    const dir = tempDir('mcp-keys-');
    const file = path.join(dir, 'api-keys.json');
    writeKeysFile(file, { version: 1, keys: [] });
    fs.chownSync(dir, 65534, 65534);
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).toThrow(/API_KEYS_FILE .*its folder .* owned by another user.*chown/);
  });

  test('a group/world-READABLE keys file is accepted with a warning (it holds only hashes)', () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    writeKeysFile(file, { version: 1, keys: [] });
    fs.chmodSync(file, 0o644);
    const logs = capturedLogger();
    createAuthenticator(testConfig({ API_KEYS_FILE: file }), logs.logger);
    expect(logs.text()).toContain('readable by group or others');
  });

  test('an invalid keys file (a typo such as revoked_at) stops the start-up; corrupted while running → fail closed', async () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    const erin = entry('erin', []);
    fs.writeFileSync(file, JSON.stringify({ version: 1, keys: [{ ...erin.entry, revoked_at: new Date().toISOString() }] }), { mode: 0o600 });
    expect(() => createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger)).toThrow(/not a valid keys file/);

    writeKeysFile(file, { version: 1, keys: [erin.entry] });
    const p = await probe(createAuthenticator(testConfig({ API_KEYS_FILE: file }), capturedLogger().logger));
    try {
      expect((await p.call(bearer(erin.key))).result.ok).toBe(true);
      fs.writeFileSync(file, '{"version": 1, "keys": [');
      expect((await p.call(bearer(erin.key))).result.ok).toBe(false);
    } finally {
      await p.close();
    }
  });

  test('a missing keys file → start with a warning, every key refused', async () => {
    const file = path.join(tempDir('mcp-keys-'), 'api-keys.json');
    const logs = capturedLogger();
    const p = await probe(createAuthenticator(testConfig({ API_KEYS_FILE: file }), logs.logger));
    try {
      expect(logs.text()).toContain('does not exist yet');
      expect((await p.call(bearer(generateApiKey().key))).result.ok).toBe(false);
    } finally {
      await p.close();
    }
  });

  test('writes are atomic and 0600: temp file + rename (new inode), even over a 0644 file, no temp left', () => {
    const dir = tempDir('mcp-keys-');
    const file = path.join(dir, 'api-keys.json');
    fs.writeFileSync(file, '{"version":1,"keys":[]}', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const before = fs.statSync(file).ino;
    writeKeysFile(file, { version: 1, keys: [entry('frank', ['files:read']).entry] });
    const after = fs.statSync(file);
    expect(after.mode & 0o777).toBe(0o600);
    expect(after.ino).not.toBe(before);
    expect(fs.readdirSync(dir)).toEqual(['api-keys.json']);
  });
});

describe('API_KEYS_FILE', () => {
  test('defaults to <project root>/api-keys.json; a relative value resolves from the project root, not the cwd', () => {
    // loadConfig directly: testConfig points API_KEYS_FILE at a fresh temp file for every test server.
    const load = (env: Record<string, string> = {}) => loadConfig({ ...REQUIRED_TEST_ENV, AUDIT_HMAC_KEY: randomKey(), ...env }, { envFile: null });
    const config = load();
    expect(config.apiKeys.file).toBe(path.join(config.projectRoot, 'api-keys.json'));
    expect(load({ API_KEYS_FILE: 'secrets/keys.json' }).apiKeys.file).toBe(path.join(config.projectRoot, 'secrets', 'keys.json'));
  });
});

describe('the keys file on other systems (platform faked; SECURITY.md › Operating systems)', () => {
  const windows = platformFor('win32', {});
  const macos = platformFor('darwin', { O_NOFOLLOW: 0x100 }, 501);
  test('POSIX (macOS faked): group/other-writable is refused, group/other-readable warned', () => {
    expect(modeProblem(0o666, macos)?.level).toBe('refuse');
    expect(modeProblem(0o644, macos)?.level).toBe('warn');
    expect(modeProblem(0o600, macos)).toBeUndefined();
  });
  test('Windows: mode bits mean nothing there, so nothing is refused on them (the start-up notice says so)', () => {
    expect(modeProblem(0o666, windows)).toBeUndefined();
    expect(ownershipProblem('C:\\keys\\api-keys.json', { uid: 0 }, windows)).toBeUndefined();
  });
  test('POSIX: a keys file another uid owns is refused, naming API_KEYS_FILE', () => {
    expect(ownershipProblem('/nonexistent/api-keys.json', { uid: 4242 }, macos)).toMatch(/^API_KEYS_FILE \/nonexistent\/api-keys\.json is owned by another user \(uid 4242; this process runs as uid 501\)/);
  });
});
