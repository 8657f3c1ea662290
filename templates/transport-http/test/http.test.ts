// The HTTP transport's controls, each over real HTTP on 127.0.0.1:0: SDK clients (modern and legacy),
// statelessness, Host/Origin allowlists, body limit and reading (compressed, empty, abandoned), JSON
// 404/405/errors, security headers, CORS, authentication (401), scopes (403), rate limits and the
// concurrency cap (429), audit lines, and every control of the one request chain answering in order.
import net from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { secretReader, slow } from './fixtures/tools.js';
import { callTool, connectClient, fakeAuthenticator, principal, rawRequest, rpc, startHttpTestServer, type HttpTestServer } from './http-helpers.js';
import { textOf } from './helpers.js';
import type { Authenticator } from '../src/security/authenticator.js';
import { jsonDepthExceeds } from '../src/security/json-depth.js';

let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const noLeak = (body: string) => {
  expect(body).not.toMatch(/<html|<!DOCTYPE|<pre>|\bat [\w.]+ \(|node_modules|\.ts:\d+/i);
  expect(() => JSON.parse(body)).not.toThrow();
};

describe('MCP over Streamable HTTP', () => {
  for (const mode of ['modern', 'legacy'] as const) {
    it(`a real SDK v2 client (${mode}) lists tools and calls whoami; no session id`, async () => {
      server = await startHttpTestServer();
      const { client, seen } = await connectClient(server.url, mode);
      expect(client.getProtocolEra()).toBe(mode);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('whoami');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse(textOf(result))).toMatchObject({ principal: 'local' });
      await client.close();
      expect(seen.length).toBeGreaterThan(0);
      for (const headers of seen) expect(headers.get('mcp-session-id')).toBeNull();
      const lines = server.audit();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ tool: 'whoami', outcome: 'ok', principal: 'local' });
    });
  }
});

describe('Host and Origin allowlists (DNS rebinding)', () => {
  it('refuses a Host that is not allowed with 403 JSON', async () => {
    server = await startHttpTestServer();
    const res = await rpc(server.port, 'tools/list', {}, { host: `attacker.example:${server.port}` });
    expect(res.status).toBe(403);
    noLeak(res.body);
    expect(server.audit()).toHaveLength(0);
  });

  it('refuses an allowed host name on another port (exact Host, port included)', async () => {
    server = await startHttpTestServer();
    const res = await rpc(server.port, 'tools/list', {}, { host: `127.0.0.1:${server.port + 1}` });
    expect(res.status).toBe(403);
  });

  it('refuses a foreign Origin, and the same host on another port, with 403', async () => {
    server = await startHttpTestServer({ env: { ALLOWED_ORIGINS: 'http://localhost:5173' } });
    for (const origin of ['https://evil.example', 'http://localhost:5174', 'http://localhost', 'null']) {
      const res = await rpc(server.port, 'tools/list', {}, { origin });
      expect(res.status, origin).toBe(403);
      noLeak(res.body);
    }
  });

  it('lets a request without Origin through, and an exactly allowed Origin with CORS but never credentials', async () => {
    server = await startHttpTestServer({ env: { ALLOWED_ORIGINS: 'http://localhost:5173' } });
    expect((await rpc(server.port, 'tools/list', {})).status).toBe(200);
    const res = await rpc(server.port, 'tools/list', {}, { origin: 'http://localhost:5173' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await rawRequest(server.port, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('POST');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it("accepts the server's own origin (same-origin) without CORS headers, as the conformance suite checks", async () => {
    server = await startHttpTestServer();
    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      const res = await rpc(server.port, 'tools/list', {}, { origin });
      expect(res.status, origin).toBe(200);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
    for (const origin of [`https://127.0.0.1:${server.port}`, `http://localhost:${server.port + 1}`]) {
      expect((await rpc(server.port, 'tools/list', {}, { origin })).status, origin).toBe(403);
    }
  });

  it('sends no CORS headers at all by default', async () => {
    server = await startHttpTestServer();
    const res = await rpc(server.port, 'tools/list', {});
    expect(res.status).toBe(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const preflight = await rawRequest(server.port, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(405);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('bodies, errors and headers', () => {
  it('answers an oversized body with 413 JSON (declared and chunked)', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_BODY_BYTES: '2048' } });
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: { pad: 'x'.repeat(5000) } } });
    const declared = await rawRequest(server.port, { headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    noLeak(declared.body);
    const chunked = await rawRequest(server.port, { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big });
    expect(chunked.status).toBe(413);
    noLeak(chunked.body);
  });

  it('inflates a gzip or deflate body (the limit counts inflated bytes); an unknown Content-Encoding is 415', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_BODY_BYTES: '2048' } });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    for (const [encoding, zip] of [['gzip', gzipSync], ['deflate', deflateSync]] as const) {
      const res = await rawRequest(server.port, { headers: { ...headers, 'content-encoding': encoding }, body: zip(call) });
      expect(res.status, encoding).toBe(200);
      expect(res.body, encoding).toContain('"result"');
    }
    const unknown = await rawRequest(server.port, { headers: { ...headers, 'content-encoding': 'compress' }, body: call });
    expect(unknown.status).toBe(415);
    noLeak(unknown.body);
    const bomb = gzipSync(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: { pad: 'x'.repeat(100_000) } } }));
    expect(bomb.length).toBeLessThan(2048);
    const inflated = await rawRequest(server.port, { headers: { ...headers, 'content-encoding': 'gzip' }, body: bomb });
    expect(inflated.status).toBe(413);
    noLeak(inflated.body);
    expect(server.audit().map((l) => l.outcome)).toEqual(['ok', 'ok']);
  });

  it('answers an empty body with 400, and keeps serving after a client leaves in the middle of its body', async () => {
    server = await startHttpTestServer();
    for (const body of ['', undefined]) {
      const empty = await rawRequest(server.port, { headers: { 'content-type': 'application/json', ...(body === undefined ? {} : { 'content-length': '0' }) }, body });
      expect(empty.status).toBe(400);
      noLeak(empty.body);
    }
    const { port } = server;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc":`);
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const after = await callTool(server.port, 'whoami');
    expect(after.status).toBe(200);
    expect(server.audit().map((l) => l.outcome)).toEqual(['ok']);
  });

  it('answers 404 and 405 with JSON, never HTML or a stack', async () => {
    server = await startHttpTestServer();
    const notFound = await rawRequest(server.port, { method: 'GET', path: '/nope' });
    expect(notFound.status).toBe(404);
    expect(notFound.headers['content-type']).toMatch(/^application\/json/);
    noLeak(notFound.body);
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const res = await rawRequest(server.port, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers['allow']).toBe('POST');
      noLeak(res.body);
    }
    const badJson = await rawRequest(server.port, { headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":' });
    expect(badJson.status).toBe(400);
    noLeak(badJson.body);
    const notJson = await rawRequest(server.port, { headers: { 'content-type': 'text/html' }, body: '<b>' });
    expect(notJson.status).toBe(415);
    noLeak(notJson.body);
    const batch = await rawRequest(server.port, { headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(batch.status).toBe(400);
  });

  it('sets Cache-Control: no-store and the security headers on every response (also SSE)', async () => {
    server = await startHttpTestServer();
    for (const res of [await rpc(server.port, 'tools/list', {}), await rawRequest(server.port, { method: 'GET', path: '/nope' })]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['mcp-session-id']).toBeUndefined();
    }
  });
});

describe('authentication and scopes', () => {
  const tokens = { reader: principal('apikey:reader', ['files:read']), nobody: principal('apikey:nobody', []) };

  it('401 with WWW-Authenticate for a missing or unknown credential, counted per address in the audit log', async () => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens) });
    const missing = await callTool(server.port, 'whoami');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="mcp"');
    noLeak(missing.body);
    const bad = await callTool(server.port, 'whoami', {}, { authorization: 'Bearer wrong-token-123' });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toContain('invalid_token');
    // The first refusal from an address is written at once; the rest of its window is one counted line
    // (written when the window ends — here, when the log closes). Never the arguments.
    expect(server.audit().map((l) => [l.outcome, l.tool, l.principal, l.reason, l.count])).toEqual([['unauthenticated', 'whoami', null, 'no credential', 1]]);
    server.runtime.audit.close();
    const lines = server.audit();
    expect(lines.map((l) => [l.outcome, l.tool, l.principal, l.reason, l.count, l.address])).toEqual([
      ['unauthenticated', 'whoami', null, 'no credential', 1, '127.0.0.1'],
      ['unauthenticated', 'whoami', null, 'unknown credential', 1, '127.0.0.1'],
    ]);
    for (const line of lines) expect(line.args).toBeUndefined();
    expect(JSON.stringify(lines)).not.toContain('wrong-token-123');
  });

  it('403 insufficient_scope from the SDK scope challenge, with exactly one audit line (denied)', async () => {
    // A test-only tool with its own scope: the check must not depend on which catalog tools exist.
    const scoped = { reader: principal('apikey:reader', ['test:read']), nobody: principal('apikey:nobody', []) };
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(scoped), extraTools: [secretReader] });
    const res = await callTool(server.port, 'secret_read', {}, { authorization: 'Bearer nobody' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="insufficient_scope".*scope="test:read"/);
    const ok = await callTool(server.port, 'secret_read', {}, { authorization: 'Bearer reader' });
    expect(ok.status).toBe(200);
    expect(server.audit().map((l) => [l.principal, l.tool, l.outcome])).toEqual([
      ['apikey:nobody', 'secret_read', 'denied'],
      ['apikey:reader', 'secret_read', 'ok'],
    ]);
  });

  it('after AUTH_FAILURE_POINTS failed authentications an address gets 429 with Retry-After before any credential is checked', async () => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens), authFailurePoints: 3 });
    const good = { authorization: 'Bearer reader' };
    expect((await rpc(server.port, 'tools/list', {}, good)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await rpc(server.port, 'tools/list', {}, { authorization: `Bearer wrong-${i}` })).status).toBe(401);
    const refused = await rpc(server.port, 'tools/list', {}, { authorization: 'Bearer wrong-3' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    noLeak(refused.body);
    // the budget is the address's: even a good credential is not checked until the window ends
    const goodToo = await rpc(server.port, 'tools/list', {}, good);
    expect(goodToo.status).toBe(429);
    expect(goodToo.headers['www-authenticate']).toBeUndefined();
  });

  it('successful authentications under the budget are unaffected; parallel wrong credentials get exactly the budget', async () => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens), authFailurePoints: 5 });
    const port = server.port;
    for (let i = 0; i < 25; i++) expect((await rpc(port, 'tools/list', {}, { authorization: 'Bearer reader' })).status).toBe(200);
    const statuses = (await Promise.all(Array.from({ length: 30 }, (_, i) => rpc(port, 'tools/list', {}, { authorization: `Bearer guess-${i}` })))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('a burst of good credentials larger than the budget, checked slowly, is admitted and locks nothing; slow parallel guesses still get exactly the budget', async () => {
    // An authenticator (or a store such as Redis) that takes real time: every attempt of the burst is in
    // flight at once, each holding a point, so most of the burst first finds the budget spent.
    const slowly = (inner: Authenticator): Authenticator => ({
      ...inner,
      authenticate: async (req) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return inner.authenticate(req);
      },
    });
    server = await startHttpTestServer({ authenticator: slowly(fakeAuthenticator(tokens)), authFailurePoints: 5 });
    const port = server.port;
    const burst = (await Promise.all(Array.from({ length: 30 }, () => rpc(port, 'tools/list', {}, { authorization: 'Bearer reader' })))).map((r) => r.status);
    expect(burst.join(' ')).toBe(Array(30).fill(200).join(' '));
    // Nothing of the burst is left counted: 4 failures still leave room for a good credential.
    for (let i = 0; i < 4; i++) expect((await rpc(port, 'tools/list', {}, { authorization: `Bearer wrong-${i}` })).status).toBe(401);
    expect((await rpc(port, 'tools/list', {}, { authorization: 'Bearer reader' })).status).toBe(200);
    await server.close();

    const second = await startHttpTestServer({ authenticator: slowly(fakeAuthenticator(tokens)), authFailurePoints: 5 });
    server = second;
    const guesses = (await Promise.all(Array.from({ length: 30 }, (_, i) => rpc(second.port, 'tools/list', {}, { authorization: `Bearer guess-${i}` })))).map((r) => r.status);
    expect(guesses.filter((s) => s === 401)).toHaveLength(5);
    expect(guesses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('the principal from the authenticator reaches the tool', async () => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens) });
    const { client } = await connectClient(server.url, 'modern', { authorization: 'Bearer reader' });
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse(textOf(result))).toMatchObject({ principal: 'apikey:reader', scopes: ['files:read'] });
    await client.close();
  });
});

describe('rate limits and the concurrency cap', () => {
  it('per-principal: 429 with Retry-After, one audit line, and the guard does not count twice', async () => {
    server = await startHttpTestServer({ env: { RATE_LIMIT_POINTS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' } });
    for (let i = 0; i < 3; i++) expect((await callTool(server.port, 'whoami')).status).toBe(200); // 3 points = 3 calls
    const refused = await callTool(server.port, 'whoami');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    noLeak(refused.body);
    const lines = server.audit();
    expect(lines.map((l) => l.outcome)).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
    expect(lines[3]).toMatchObject({ principal: 'local', tool: 'whoami', reason: 'principal limit' });
  });

  it('per-IP: 429 with Retry-After before authentication, counted in the audit log', async () => {
    server = await startHttpTestServer({ ipPoints: 2, authenticator: fakeAuthenticator({}) });
    expect((await callTool(server.port, 'whoami')).status).toBe(401);
    expect((await callTool(server.port, 'whoami')).status).toBe(401);
    const refused = await callTool(server.port, 'whoami');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(server.audit().map((l) => l.outcome)).toEqual(['unauthenticated', 'rate_limited']); // the second 401 is counted
    expect(server.audit()[1]).toMatchObject({ reason: 'ip limit (127.0.0.1)', address: '127.0.0.1', count: 1 });
  });

  it('caps concurrent calls per principal (429 while one is running)', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_CONCURRENT_CALLS: '1', TOOL_TIMEOUT_MS: '1500' }, extraTools: [slow] });
    const running = callTool(server.port, 'slow', { honourSignal: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await callTool(server.port, 'whoami');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await running).status).toBe(200);
    expect((await callTool(server.port, 'whoami')).status).toBe(200);
    expect(server.audit().map((l) => [l.tool, l.outcome])).toEqual([
      ['whoami', 'rate_limited'],
      ['slow', 'error'],
      ['whoami', 'ok'],
    ]);
  });

  it('reserves the concurrency slot before awaiting the budget: 50 parallel calls to a slow store, cap 8, exactly 8 run', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_CONCURRENT_CALLS: '8', RATE_LIMIT_POINTS: '1000', TOOL_TIMEOUT_MS: '6000' }, extraTools: [slow] });
    // A store that answers in 100 ms, as a remote one (Redis) takes real time: every call is checked while others wait.
    const limits = server.runtime.rateLimits;
    const consume = limits.consume.bind(limits);
    limits.consume = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return consume(...args);
    };
    const port = server.port;
    const statuses = (await Promise.all(Array.from({ length: 50 }, () => callTool(port, 'slow', { honourSignal: true })))).map((r) => r.status);
    // the 8 that run hold their slots for TOOL_TIMEOUT_MS, far longer than the 50 take to arrive
    expect(statuses.filter((s) => s === 200), statuses.join(' ')).toHaveLength(8);
    expect(statuses.filter((s) => s === 429), statuses.join(' ')).toHaveLength(42);
    // Every slot is given back: a slot is freed when its response closes, which the server sees just
    // after the client has read the answer, so poll briefly instead of racing that event.
    // A refusal shows its body (which limit answered), so a failure here names its cause.
    const afterwards = async () => {
      const res = await callTool(port, 'whoami');
      return res.status === 200 ? 200 : `${res.status} ${res.body}`;
    };
    await expect.poll(afterwards, { timeout: 5_000, interval: 50 }).toBe(200);
  });
});

describe('bad input is answered, never a 500', () => {
  const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  it('refuses JSON nested deeper than 64 levels with 400 (Invalid Request) before the SDK parses it', async () => {
    expect(jsonDepthExceeds(`{"a":${deep(63)}}`)).toBe(false);
    expect(jsonDepthExceeds(`{"a":${deep(64)}}`)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`)).toBe(false); // brackets in strings do not count
    server = await startHttpTestServer();
    // ~10 KB: 5,000 levels overflowed the stack inside the SDK (a 500)
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":${deep(5000)}}}}`;
    const res = await rawRequest(server.port, { headers: json, body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: -32600, message: 'Invalid Request: JSON nested deeper than 64 levels' } });
    noLeak(res.body);
    const gz = await rawRequest(server.port, { headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(body) });
    expect(gz.status).toBe(400);
    // Still a call attempt: audited (before authentication, so as this address's counted refusal).
    expect(server.audit().map((l) => [l.tool, l.outcome, l.reason])).toContainEqual(['whoami', 'invalid_args', 'JSON nested deeper than 64 levels']);
    expect((await callTool(server.port, 'whoami')).status).toBe(200);
  });

  it('serves an absolute-form request target by its path after checking its host; other targets get 400 JSON', async () => {
    server = await startHttpTestServer();
    const port = server.port;
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    const absolute = await rawRequest(port, { path: `http://127.0.0.1:${port}/mcp`, headers: json, body: call });
    expect(absolute.status).toBe(200);
    expect(absolute.body).toContain('"result"');
    // the target's authority is the host (RFC 9112): a foreign one is refused even under an allowed Host header
    const foreign = await rawRequest(port, { path: 'http://evil.example/mcp', headers: json, body: call });
    expect(foreign.status).toBe(403);
    noLeak(foreign.body);
    for (const target of ['*', `http://user:pw@127.0.0.1:${port}/mcp`, 'ftp://127.0.0.1/mcp']) {
      const res = await rawRequest(port, { path: target, headers: json, body: call });
      expect(res.status, target).toBe(400);
      expect(res.headers['content-type'], target).toMatch(/^application\/json/);
      noLeak(res.body);
    }
    const other = await rawRequest(port, { method: 'GET', path: `http://127.0.0.1:${port}/nope` });
    expect(other.status).toBe(404);
    expect(server.audit().map((l) => l.outcome)).toEqual(['ok']);
  });

  it('honours Connection: close on SSE answers: the socket closes at once, so capped connections are never held', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_CONNECTIONS: '2', HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000' } });
    const port = server.port;
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    const once = () =>
      new Promise<{ reply: string; closedAfterMs: number }>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2025-11-25\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(call)}\r\n\r\n${call}`);
        });
        let reply = '';
        let answeredAt = 0;
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          reply += chunk;
          if (reply.includes('"result"')) answeredAt ||= Date.now();
        });
        socket.on('close', () => resolve({ reply, closedAfterMs: Date.now() - (answeredAt || Date.now()) }));
        socket.on('error', reject);
      });
    for (let i = 0; i < 5; i++) {
      const { reply, closedAfterMs } = await once();
      expect(reply).toMatch(/^HTTP\/1\.1 200/);
      expect(reply).toContain('text/event-stream');
      expect(reply).not.toMatch(/connection: keep-alive/i);
      expect(closedAfterMs).toBeLessThan(1000);
    }
  });
});

describe('the one request chain: every control answers POST /mcp in order', () => {
  const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
  const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } });

  it('status, JSON body and security headers for every control, and one audit line for each call or refusal', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_BODY_BYTES: '2048' }, authenticator: fakeAuthenticator({ good: principal('apikey:good', []) }) });
    const port = server.port;
    const good = { ...json, authorization: 'Bearer good' };
    const cases: [string, Record<string, string>, string | undefined, number, string][] = [
      ['served', good, call, 200, '"result"'],
      ['no credential', json, call, 401, 'Unauthorized: a valid credential is required'],
      ['wrong content type', { ...good, 'content-type': 'text/plain' }, call, 415, 'Unsupported Media Type'],
      ['bad JSON', good, '{"jsonrpc":', 400, 'Parse error'],
      ['batch', good, '[]', 400, 'JSON-RPC batches are not supported'],
      ['declared too large', { ...good, 'content-length': '4096' }, 'x'.repeat(4096), 413, 'Request body too large (limit 2048 bytes)'],
      ['chunked too large', { ...good, 'transfer-encoding': 'chunked' }, 'x'.repeat(4096), 413, 'Request body too large (limit 2048 bytes)'],
      ['foreign Host', { ...good, host: 'evil.example' }, call, 403, 'Host header not allowed'],
      ['foreign Origin', { ...good, origin: 'http://evil.example' }, call, 403, 'Origin not allowed'],
      ['nested too deep', good, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":${'['.repeat(200)}${']'.repeat(200)}}}}`, 400, 'JSON nested deeper than 64 levels'],
      ['query string on /mcp', good, call, 200, '"result"'],
    ];
    for (const [name, headers, body, status, text] of cases) {
      const res = await rawRequest(port, { path: name === 'query string on /mcp' ? '/mcp?x=1' : '/mcp', headers, ...(body === undefined ? {} : { body }) });
      expect(res.status, name).toBe(status);
      expect(res.body, name).toContain(text);
      expect(res.headers['cache-control'], name).toBe('no-store');
      expect(res.headers['x-content-type-options'], name).toBe('nosniff');
      expect(res.headers['content-security-policy'], name).toContain("default-src 'none'");
      if (status !== 200) {
        expect(res.headers['content-type'], name).toMatch(/^application\/json/);
        noLeak(res.body);
      }
    }
    const lines = server.audit().map((l) => [l.principal, l.tool, l.outcome, l.reason]);
    expect(lines).toEqual([
      ['apikey:good', 'whoami', 'ok', undefined],
      [null, 'whoami', 'unauthenticated', 'no credential'],
      [null, 'whoami', 'invalid_args', 'JSON nested deeper than 64 levels'], // before authentication: counted per address
      ['apikey:good', 'whoami', 'ok', undefined],
    ]);
  });

  it('429 from the per-IP limit before authentication, audited (counted) on the MCP endpoint only', async () => {
    server = await startHttpTestServer({ ipPoints: 2, authenticator: fakeAuthenticator({}) });
    expect((await rawRequest(server.port, { headers: json, body: call })).status).toBe(401);
    expect((await rawRequest(server.port, { method: 'GET', path: '/nope' })).status).toBe(404); // spends the second point
    const refused = await rawRequest(server.port, { headers: json, body: call });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    noLeak(refused.body);
    const elsewhere = await rawRequest(server.port, { method: 'GET', path: '/nope' });
    expect(elsewhere.status).toBe(429);
    server.runtime.audit.close(); // writes the counted refusals
    expect(server.audit().map((l) => [l.outcome, l.reason, l.count])).toEqual([
      ['unauthenticated', 'no credential', 1],
      ['rate_limited', 'ip limit (127.0.0.1)', 1],
    ]);
  });

  it('a brotli body is inflated like gzip and deflate; a corrupt compressed body is 400 JSON', async () => {
    server = await startHttpTestServer({ env: { HTTP_MAX_BODY_BYTES: '2048' } });
    const br = await rawRequest(server.port, { headers: { ...json, 'content-encoding': 'br' }, body: brotliCompressSync(call) });
    expect(br.status).toBe(200);
    expect(br.body).toContain('"result"');
    const bomb = brotliCompressSync(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: { pad: 'x'.repeat(100_000) } } }));
    expect((await rawRequest(server.port, { headers: { ...json, 'content-encoding': 'br' }, body: bomb })).status).toBe(413);
    const corrupt = await rawRequest(server.port, { headers: { ...json, 'content-encoding': 'gzip' }, body: 'not gzip at all' });
    expect(corrupt.status).toBe(400);
    noLeak(corrupt.body);
    expect((await callTool(server.port, 'whoami')).status).toBe(200);
    expect(server.audit().map((l) => l.outcome)).toEqual(['ok', 'ok']);
  });
});
