// API keys end to end through the REAL HTTP server (request chain, SDK handler, guard, audit) on
// 127.0.0.1:0 with the project's own authenticator: 401 with the realm challenge, 403
// insufficient_scope naming the scope, a valid call audited with the apikey principal, failed
// authentication audited as unauthenticated — and the key never written to the audit log.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../src/logger.js';
import { generateApiKey } from '../src/security/api-key-format.js';
import { writeKeysFile } from '../src/security/api-key-store.js';
import { createAuthenticator } from '../src/security/auth.js';
import { secretReader } from './fixtures/tools.js';
import { tempDir, testConfig, textOf } from './helpers.js';
import { callTool, startHttpTestServer, type HttpTestServer } from './http-helpers.js';


let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serverWithKeys() {
  const file = path.join(tempDir('mcp-keys-e2e-'), 'api-keys.json');
  const reader = generateApiKey();
  const bare = generateApiKey();
  const now = new Date().toISOString();
  writeKeysFile(file, {
    version: 1,
    keys: [
      { id: reader.id, name: 'reader', hash: reader.hash, scopes: ['test:read'], createdAt: now },
      { id: bare.id, name: 'bare', hash: bare.hash, scopes: [], createdAt: now },
    ],
  });
  const env = { API_KEYS_FILE: file };
  const authenticator = createAuthenticator(testConfig(env), createLogger('silent'));
  server = await startHttpTestServer({ env, authenticator, extraTools: [secretReader] });
  return { server, reader: reader.key, bare: bare.key };
}

describe('API keys over HTTP', () => {
  test('401 with the realm challenge (+ invalid_token for a bad key); audited as unauthenticated without the key', async () => {
    const { server: s, reader } = await serverWithKeys();
    const missing = await callTool(s.port, 'whoami');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="mcp"');
    const forged = `${reader.slice(0, 18)}${generateApiKey().key.slice(18)}`;
    const bad = await callTool(s.port, 'whoami', {}, { authorization: `Bearer ${forged}` });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="mcp", error="invalid_token"');
    // Refusals before authentication are counted per address: the first is written at once, the second
    // is counted into the line written when the window ends (here: when the log closes).
    expect(s.audit().map((l) => [l.outcome, l.principal, l.count])).toEqual([['unauthenticated', null, 1]]);
    s.runtime.audit.close();
    expect(s.audit().map((l) => [l.outcome, l.principal, l.count])).toEqual([
      ['unauthenticated', null, 1],
      ['unauthenticated', null, 1],
    ]);
    const raw = fs.readFileSync(s.runtime.audit.file, 'utf8') + s.logs();
    expect(raw).not.toContain(forged.slice(18));
    expect(raw).not.toContain(reader.slice(18));
  });

  test('a key without the tool\'s scope → 403 insufficient_scope naming it; audited as denied', async () => {
    const { server: s, bare } = await serverWithKeys();
    const res = await callTool(s.port, 'secret_read', {}, { authorization: `Bearer ${bare}` });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="test:read"/);
    expect(res.headers['www-authenticate']).not.toContain('resource_metadata'); // no OAuth document to point at
    expect(s.audit()).toMatchObject([{ outcome: 'denied', principal: 'apikey:bare', tool: 'secret_read' }]);
  });

  test('a valid key → the tool runs as apikey:<name> with its scopes; audited with that principal', async () => {
    const { server: s, reader } = await serverWithKeys();
    const res = await callTool(s.port, 'whoami', {}, { authorization: `Bearer ${reader}` });
    expect(res.status).toBe(200);
    const body = res.body.startsWith('{') ? JSON.parse(res.body) : JSON.parse(res.body.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    expect(JSON.parse(textOf(body.result))).toMatchObject({ principal: 'apikey:reader', kind: 'apikey', scopes: ['test:read'] });
    expect(s.audit()).toMatchObject([{ outcome: 'ok', principal: 'apikey:reader', tool: 'whoami' }]);
    expect(fs.readFileSync(s.runtime.audit.file, 'utf8')).not.toContain(reader.slice(18));
  });
});
