// OAuth resource-server authentication, tested on REAL IncomingMessage objects (a tiny node:http
// server on loopback calls the authenticator) against a local authorization server whose keys are
// made per run (test/fixtures/oauth-issuer.ts). Proves every refusal (expired, not yet valid, wrong
// audience, wrong issuer, alg none, HS256 keyed with the public key, wrong signing key, algorithm
// outside the allowlist, missing exp/sub), the success path (principal, scopes, expiresAt, no token
// in AuthInfo), discovery (RFC 8414, OIDC fallback, issuer mix-up refused), the RFC 9728 metadata
// document, the 401 challenges and the start-up refusals of a dangerous configuration.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createAuthenticator, TOKEN_PLACEHOLDER, type Authenticator, type AuthResult } from '../src/security/auth.js';
import { metadataUrls } from '../src/security/oauth-discovery.js';
import { startTestIssuer, type TestIssuer } from './fixtures/oauth-issuer.js';
import { testConfig } from './helpers.js';
import { authenticatorProbe } from './http-helpers.js';

/** The authenticator's public routes alone, on raw node:http (as src/http/app.ts serves them): 404 for anything else. */
async function serveRoutes(auth: Authenticator): Promise<http.Server> {
  const routes = auth.routes?.() ?? {};
  const server = http.createServer((req, res) => {
    const route = req.method === 'GET' ? routes[(req.url ?? '').split('?')[0] ?? ''] : undefined;
    if (route === undefined) return void res.writeHead(404).end();
    void route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

interface Probe {
  call(token?: string): Promise<{ result: AuthResult; challenge: string }>;
  close(): Promise<void>;
}

/** The shared loopback probe, called with a bearer token instead of raw headers. */
async function probe(auth: Authenticator): Promise<Probe> {
  const inner = await authenticatorProbe(auth);
  return { call: (token) => inner.call(token === undefined ? {} : { authorization: `Bearer ${token}` }), close: inner.close };
}

const PUBLIC_URL = 'http://127.0.0.1:3000/mcp';
const METADATA_URL = 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp';

function oauthConfig(issuer: TestIssuer, env: Record<string, string> = {}): Config {
  return testConfig({ OAUTH_ISSUER: issuer.issuer, OAUTH_JWKS_URL: issuer.jwksUrl, PUBLIC_URL, ...env });
}

const silent = () => createLogger('silent');
const reasonOf = (result: AuthResult) => (result.ok ? 'ok' : result.reason);

describe('OAuth authenticator (JWKS from OAUTH_JWKS_URL)', () => {
  let issuer: TestIssuer;
  let p: Probe;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    issuer = await startTestIssuer();
    p = await probe(createAuthenticator(oauthConfig(issuer), silent(), { scopesSupported: ['files:read'] }));
  });
  afterAll(async () => {
    await p.close();
    await issuer.close();
  });

  test('a valid RS256 token → principal oauth:<iss>#<sub>, scopes from `scope`, expiresAt = exp, no token in AuthInfo', async () => {
    const exp = now() + 120;
    const token = await issuer.sign({ aud: PUBLIC_URL, scope: 'files:read notes:write', exp });
    const { result } = await p.call(token);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toEqual({ id: `oauth:${issuer.issuer}#user-1`, scopes: ['files:read', 'notes:write'], kind: 'oauth' });
    expect(result.authInfo).toMatchObject({ token: TOKEN_PLACEHOLDER, scopes: ['files:read', 'notes:write'], expiresAt: exp, resourceMetadataUrl: METADATA_URL });
    expect(JSON.stringify(result)).not.toContain(token);
  });

  test('an ES256 token with an `aud` array and an `scp` array is accepted', async () => {
    const token = await issuer.sign({ aud: ['other-api', PUBLIC_URL], scp: ['files:read'] }, { key: 'ec' });
    const { result } = await p.call(token);
    expect(result).toMatchObject({ ok: true, principal: { scopes: ['files:read'] } });
  });

  test('no scope claim → authenticated with no scopes', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL }));
    expect(result).toMatchObject({ ok: true, principal: { scopes: [] } });
  });

  test('an expired token → refused (beyond the 30 s leeway)', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL, iat: now() - 600, exp: now() - 60 }));
    expect(reasonOf(result)).toContain('ERR_JWT_EXPIRED');
  });

  test('a token not valid yet (nbf in 5 minutes) → refused', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL, nbf: now() + 300 }));
    expect(reasonOf(result)).toMatch(/ERR_JWT_CLAIM_VALIDATION_FAILED \(nbf/);
  });

  test('a token issued in the future (iat 5 minutes ahead) → refused; within the 30 s leeway → accepted', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL, iat: now() + 300, exp: now() + 600 }));
    expect(reasonOf(result)).toMatch(/"iat" is in the future/);
    expect((await p.call(await issuer.sign({ aud: PUBLIC_URL, iat: now() + 10 }))).result.ok).toBe(true);
  });

  test('a token for another audience → refused (RFC 8707)', async () => {
    const { result } = await p.call(await issuer.sign({ aud: 'https://other.example/mcp' }));
    expect(reasonOf(result)).toMatch(/\(aud/);
    const none = await p.call(await issuer.sign({}));
    expect(reasonOf(none.result)).toMatch(/\(aud/);
  });

  test('a token from another issuer (signed with the right key) → refused', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL, iss: 'https://evil.example' }));
    expect(reasonOf(result)).toMatch(/\(iss/);
  });

  test('`alg: none` → refused', async () => {
    const { result, challenge } = await p.call(issuer.unsigned({ aud: PUBLIC_URL, scope: 'files:read' }));
    expect(result.ok).toBe(false);
    expect(reasonOf(result)).toContain('ERR_JOSE_ALG_NOT_ALLOWED');
    expect(challenge).toBe(`Bearer error="invalid_token", resource_metadata="${METADATA_URL}"`);
  });

  test('HS256 signed with the RSA public key as the HMAC secret (key confusion) → refused', async () => {
    const { result } = await p.call(await issuer.hmacWithPublicKey({ aud: PUBLIC_URL, scope: 'files:read' }));
    expect(result.ok).toBe(false);
    expect(reasonOf(result)).toContain('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  test('a token signed by another key claiming the issuer\'s kid → refused', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL }, { key: 'stranger' }));
    expect(reasonOf(result)).toContain('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  test('an algorithm the issuer publishes but OAUTH_ALGORITHMS does not list (RS512) → refused', async () => {
    const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL }, { alg: 'RS512' }));
    expect(reasonOf(result)).toContain('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  test('a token without exp, or without sub → refused', async () => {
    expect(reasonOf((await p.call(await issuer.sign({ aud: PUBLIC_URL }, { omit: ['exp'] }))).result)).toMatch(/\(exp/);
    expect(reasonOf((await p.call(await issuer.sign({ aud: PUBLIC_URL }, { omit: ['sub'] }))).result)).toMatch(/\(sub/);
  });

  test('garbage, another scheme, or no header → refused; the challenge names the metadata URL', async () => {
    expect((await p.call('not.a.jwt')).result.ok).toBe(false);
    const missing = await p.call();
    expect(missing.result).toEqual({ ok: false, reason: 'no credentials' });
    expect(missing.challenge).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });

  test('the token is never sent anywhere: the authorization server only saw JWKS fetches without credentials', () => {
    expect(issuer.requests.length).toBeGreaterThan(0);
    for (const request of issuer.requests) {
      expect(request).toMatchObject({ method: 'GET', url: '/jwks', authorization: undefined });
    }
  });
});

describe('OAuth token type (OAUTH_TOKEN_TYPE) and JWKS limits', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer.close());

  test('with OAUTH_TOKEN_TYPE=at+jwt a token typed JWT, or untyped, is refused; at+jwt and application/at+jwt pass', async () => {
    const p = await probe(createAuthenticator(oauthConfig(issuer, { OAUTH_TOKEN_TYPE: 'at+jwt' }), silent(), { scopesSupported: [] }));
    try {
      expect(reasonOf((await p.call(await issuer.sign({ aud: PUBLIC_URL }, { typ: 'JWT' }))).result)).toMatch(/\(typ/);
      expect(reasonOf((await p.call(await issuer.sign({ aud: PUBLIC_URL }, { typ: null }))).result)).toMatch(/\(typ/);
      expect((await p.call(await issuer.sign({ aud: PUBLIC_URL }))).result.ok).toBe(true);
      expect((await p.call(await issuer.sign({ aud: PUBLIC_URL }, { typ: 'application/at+jwt' }))).result.ok).toBe(true);
    } finally {
      await p.close();
    }
  });

  test('OAUTH_TOKEN_TYPE unset: typ is not checked (a JWT-typed token passes)', async () => {
    const p = await probe(createAuthenticator(oauthConfig(issuer), silent(), { scopesSupported: [] }));
    try {
      expect((await p.call(await issuer.sign({ aud: PUBLIC_URL }, { typ: 'JWT' }))).result.ok).toBe(true);
    } finally {
      await p.close();
    }
  });

  test.each(['at jwt', 'at+jwt;x', '"at+jwt"'])('OAUTH_TOKEN_TYPE=%s stops the start-up', (value) => {
    expect(() => oauthConfig(issuer, { OAUTH_TOKEN_TYPE: value })).toThrow(/OAUTH_TOKEN_TYPE must be a media type/);
  });

  test('an endless JWKS (64 MiB offered) is cut off after 256 KiB: tokens refused, nothing buffered beyond the cap', async () => {
    const big = await startTestIssuer();
    big.setJwks('endless');
    const p = await probe(createAuthenticator(oauthConfig(big), silent(), { scopesSupported: [] }));
    try {
      const { result } = await p.call(await big.sign({ aud: PUBLIC_URL }));
      expect(reasonOf(result)).toMatch(/authorization server keys refused: JWKS larger than 256 KiB/);
      await big.lastJwks().closed;
      // What the server managed to send before the client hung up: the cap plus socket buffers, not 64 MiB.
      expect(big.lastJwks().bytesSent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await p.close();
      await big.close();
    }
  });

  test('a JWKS with more than 100 keys is refused', async () => {
    const many = await startTestIssuer();
    many.setJwks('many-keys');
    const p = await probe(createAuthenticator(oauthConfig(many), silent(), { scopesSupported: [] }));
    try {
      expect(reasonOf((await p.call(await many.sign({ aud: PUBLIC_URL }))).result)).toMatch(/authorization server keys refused: JWKS holds 503 keys, more than 100/);
    } finally {
      await p.close();
      await many.close();
    }
  });
});

describe('OAuth discovery, metadata and configuration', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer.close());

  test('metadata URLs: RFC 8414 path insertion first, then OIDC', () => {
    expect(metadataUrls('https://as.example')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
    expect(metadataUrls('https://as.example/tenant/')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/.well-known/openid-configuration/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ]);
  });

  test.each(['rfc8414', 'oidc'] as const)('without OAUTH_JWKS_URL the jwks_uri is discovered (%s metadata)', async (mode) => {
    issuer.setMetadata(mode);
    const p = await probe(createAuthenticator(testConfig({ OAUTH_ISSUER: issuer.issuer, PUBLIC_URL }), silent(), { scopesSupported: [] }));
    try {
      expect((await p.call(await issuer.sign({ aud: PUBLIC_URL }))).result.ok).toBe(true);
    } finally {
      await p.close();
    }
  });

  test('metadata naming another issuer (mix-up) → no keys, every token refused', async () => {
    issuer.setMetadata('wrong-issuer');
    const p = await probe(createAuthenticator(testConfig({ OAUTH_ISSUER: issuer.issuer, PUBLIC_URL }), silent(), { scopesSupported: [] }));
    try {
      const { result } = await p.call(await issuer.sign({ aud: PUBLIC_URL }));
      expect(result).toEqual({ ok: false, reason: 'authorization server keys unavailable' });
    } finally {
      await p.close();
      issuer.setMetadata('rfc8414');
    }
  });

  test('RFC 9728 metadata at /.well-known/oauth-protected-resource/mcp', async () => {
    const auth = createAuthenticator(oauthConfig(issuer), silent(), { scopesSupported: ['files:read', 'notes:write'] });
    const server = await serveRoutes(auth);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: PUBLIC_URL,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['files:read', 'notes:write'],
        bearer_methods_supported: ['header'],
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('scopes_supported defaults to the scopes the project\'s tools declare', async () => {
    const auth = createAuthenticator(oauthConfig(issuer), silent());
    const server = await serveRoutes(auth);
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/oauth-protected-resource/mcp`);
      const body = (await response.json()) as { scopes_supported: string[] };
      expect(Array.isArray(body.scopes_supported)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test.each([
    ['HS256', 'OAUTH_ALGORITHMS must not contain HS256'],
    ['RS256,hs512', 'OAUTH_ALGORITHMS must not contain hs512'],
    ['none', 'OAUTH_ALGORITHMS must not contain none'],
    ['RS256,XYZ', 'is not one of'],
  ])('OAUTH_ALGORITHMS=%s stops the start-up', (algorithms, message) => {
    expect(() => oauthConfig(issuer, { OAUTH_ALGORITHMS: algorithms })).toThrow(message);
  });

  test.each([
    ['OAUTH_ISSUER', 'http://as.example.com', 'must use https://'],
    ['OAUTH_ISSUER', 'https://as.example.com/?tenant=1', 'query string'],
    ['OAUTH_ISSUER', 'not a url', 'absolute URL'],
    ['OAUTH_JWKS_URL', 'http://as.example.com/jwks', 'must use https://'],
  ])('%s=%s stops the start-up', (name, value, message) => {
    expect(() => oauthConfig(issuer, { [name]: value })).toThrow(message);
  });

  test('without OAUTH_ISSUER the config loads (stdio works) but the HTTP authenticator refuses to start', () => {
    const config = testConfig({ PUBLIC_URL });
    expect(config.oauth).toBeUndefined();
    expect(() => createAuthenticator(config, silent())).toThrow(ConfigError);
    expect(() => createAuthenticator(config, silent())).toThrow(/OAUTH_ISSUER is required/);
  });

  test('OAUTH_AUDIENCE overrides the PUBLIC_URL default', async () => {
    const p = await probe(createAuthenticator(oauthConfig(issuer, { OAUTH_AUDIENCE: 'api://mcp' }), silent(), { scopesSupported: [] }));
    try {
      expect((await p.call(await issuer.sign({ aud: 'api://mcp' }))).result.ok).toBe(true);
      expect((await p.call(await issuer.sign({ aud: PUBLIC_URL }))).result.ok).toBe(false);
    } finally {
      await p.close();
    }
  });
});
