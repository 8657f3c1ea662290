// OAuth end to end through the REAL HTTP server (request chain, SDK handler, guard, audit) on
// 127.0.0.1:0 with the project's own authenticator and a local authorization server
// (test/fixtures/oauth-issuer.ts): the RFC 9728 document served by the app, 401 with
// resource_metadata, 403 insufficient_scope naming the scope, a valid call audited with the oauth
// principal, failed authentication audited as unauthenticated — and the token never logged.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createAuthenticator } from '../src/security/auth.js';
import { secretReader } from './fixtures/tools.js';
import { startTestIssuer, type TestIssuer } from './fixtures/oauth-issuer.js';
import { testConfig, textOf } from './helpers.js';
import { callTool, rawRequest, startHttpTestServer, type HttpTestServer } from './http-helpers.js';


const AUDIENCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let server: HttpTestServer | undefined;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer.close());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<HttpTestServer> {
  const env = { OAUTH_ISSUER: issuer.issuer, OAUTH_JWKS_URL: issuer.jwksUrl, OAUTH_AUDIENCE: AUDIENCE };
  const authenticator = createAuthenticator(testConfig({ PORT: '0', ...env }), createLogger('silent'));
  server = await startHttpTestServer({ env, authenticator, extraTools: [secretReader] });
  return server;
}

const resultOf = (body: string) => {
  const json = body.startsWith('{') ? body : body.split('\n').find((l) => l.startsWith('data: '))!.slice(6);
  return (JSON.parse(json) as { result: unknown }).result;
};

describe('OAuth over HTTP', () => {
  test('the app serves the RFC 9728 document, and a 401 points at it (+ invalid_token for a bad token)', async () => {
    const s = await start();
    const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', s.config.http.publicUrl).href;
    const doc = await rawRequest(s.port, { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' });
    expect(doc.status).toBe(200);
    expect(JSON.parse(doc.body)).toMatchObject({ resource: s.config.http.publicUrl, authorization_servers: [issuer.issuer], bearer_methods_supported: ['header'] });

    const missing = await callTool(s.port, 'whoami');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(`Bearer resource_metadata="${metadataUrl}"`);
    const wrongAudience = await issuer.sign({ aud: 'https://other.example/mcp' });
    const bad = await callTool(s.port, 'whoami', {}, { authorization: `Bearer ${wrongAudience}` });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe(`Bearer error="invalid_token", resource_metadata="${metadataUrl}"`);
    // Refusals before authentication are counted per address: the first is written at once, the second
    // is counted into the line written when the window ends (here: when the log closes).
    expect(s.audit().map((l) => [l.outcome, l.principal, l.count])).toEqual([['unauthenticated', null, 1]]);
    s.runtime.audit.close();
    expect(s.audit().map((l) => [l.outcome, l.principal, l.count])).toEqual([
      ['unauthenticated', null, 1],
      ['unauthenticated', null, 1],
    ]);
    expect(fs.readFileSync(s.runtime.audit.file, 'utf8') + s.logs()).not.toContain(wrongAudience.split('.')[2]!);
  });

  test('a token without the tool\'s scope → 403 insufficient_scope naming it; audited as denied', async () => {
    const s = await start();
    const token = await issuer.sign({ aud: AUDIENCE, scope: 'notes:read' });
    const res = await callTool(s.port, 'secret_read', {}, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="test:read"/);
    expect(s.audit()).toMatchObject([{ outcome: 'denied', principal: `oauth:${issuer.issuer}#user-1`, tool: 'secret_read' }]);
  });

  test('a valid token → the tool runs as oauth:<iss>#<sub>; audited with that principal, token not logged', async () => {
    const s = await start();
    const token = await issuer.sign({ aud: AUDIENCE, sub: 'alice', scope: 'test:read' });
    const res = await callTool(s.port, 'whoami', {}, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(textOf(resultOf(res.body)))).toMatchObject({ principal: `oauth:${issuer.issuer}#alice`, kind: 'oauth', scopes: ['test:read'] });
    expect(s.audit()).toMatchObject([{ outcome: 'ok', principal: `oauth:${issuer.issuer}#alice`, tool: 'whoami' }]);
    expect(fs.readFileSync(s.runtime.audit.file, 'utf8') + s.logs()).not.toContain(token.split('.')[2]!);
  });
});
