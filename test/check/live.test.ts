// Live checks against small node:http servers started here: one that answers the way a secure MCP
// endpoint should, one that answers 200 HTML to everything, a stack-trace 404, an endpoint that is
// not listening, and https servers for the TLS item. Each run stays within its request budget.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_ITEMS, runLiveChecks } from '../../src/check/live.js';
import type { ItemResult, Status } from '../../src/check/types.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, origin: string) => void;

const servers: (http.Server | https.Server)[] = [];
let requests = 0;

async function start(handler: Handler, tls?: https.ServerOptions): Promise<{ url: URL; server: http.Server | https.Server }> {
  const scheme = tls === undefined ? 'http' : 'https';
  let origin = '';
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests++;
    handler(req, res, origin);
  };
  const server = tls === undefined ? http.createServer(listener) : https.createServer(tls, listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `${scheme}://127.0.0.1:${port}`;
  return { url: new URL(`${origin}/mcp`), server };
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
};

/** What a well-behaved OAuth-protected endpoint answers. */
const good =
  (resource?: string): Handler =>
  (req, res, origin) => {
    const host = new URL(origin).host;
    if (req.headers.host !== host) return json(res, 403, { error: 'Host not allowed' });
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return json(res, 403, { error: 'Origin not allowed' });
    if (Number(req.headers['content-length'] ?? 0) > 1024 * 1024) {
      res.setHeader('connection', 'close');
      return json(res, 413, { error: 'too large' });
    }
    const meta = '/.well-known/oauth-protected-resource/mcp';
    if (req.method === 'GET' && req.url === meta) return json(res, 200, { resource: resource ?? `${origin}/mcp`, authorization_servers: ['https://auth.example.com'] });
    if (req.url !== '/mcp') return json(res, 404, { error: 'Not Found' });
    json(res, 401, { error: 'unauthorized' }, { 'www-authenticate': `Bearer resource_metadata="${origin}${meta}"` });
  };

/** Answers 200 HTML to everything, with wildcard CORS, never reads the body. */
const bad: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'access-control-allow-origin': '*' });
  res.end('<html><body>ok</body></html>');
};

const byId = (results: readonly ItemResult[]): Record<string, Status> => Object.fromEntries(results.map((r) => [r.id, r.status]));

let tlsDir: string | undefined;
let cert: { key: string; cert: string } | undefined;

beforeAll(() => {
  try {
    tlsDir = mkdtempSync(path.join(os.tmpdir(), 'smcp-live-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(tlsDir, 'k.pem'), '-out', path.join(tlsDir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore', timeout: 20_000 });
    cert = { key: readFileSync(path.join(tlsDir, 'k.pem'), 'utf8'), cert: readFileSync(path.join(tlsDir, 'c.pem'), 'utf8') };
  } catch {
    cert = undefined; // no openssl: the TLS tests are skipped
  }
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  if (tlsDir !== undefined) rmSync(tlsDir, { recursive: true, force: true });
});

describe('runLiveChecks', () => {
  it('every item has its own metadata', () => {
    expect(LIVE_ITEMS.map((i) => i.id)).toEqual(['SMCP-LIVE-001', 'SMCP-LIVE-002', 'SMCP-LIVE-003', 'SMCP-LIVE-004', 'SMCP-LIVE-005', 'SMCP-LIVE-006', 'SMCP-LIVE-007', 'SMCP-LIVE-008']);
    for (const i of LIVE_ITEMS) expect(i.owasp).toMatch(/^MCP\d\d: /);
  });

  it('a well-behaved endpoint passes every item (TLS not-applicable on loopback http), within 10 requests', async () => {
    const { url } = await start(good());
    const before = requests;
    const results = await runLiveChecks(url, { timeoutMs: 5000 });
    expect(byId(results)).toEqual({
      'SMCP-LIVE-001': 'pass',
      'SMCP-LIVE-002': 'pass',
      'SMCP-LIVE-003': 'pass',
      'SMCP-LIVE-004': 'pass',
      'SMCP-LIVE-005': 'pass',
      'SMCP-LIVE-006': 'pass',
      'SMCP-LIVE-007': 'pass',
      'SMCP-LIVE-008': 'not-applicable',
    });
    expect(requests - before).toBeLessThanOrEqual(10);
    for (const r of results) expect(r.evidence.length).toBeLessThanOrEqual(5);
  });

  it('a server that answers 200 HTML to everything fails', async () => {
    const { url } = await start(bad);
    const got = byId(await runLiveChecks(url, { timeoutMs: 5000 }));
    expect(got).toEqual({
      'SMCP-LIVE-001': 'fail',
      'SMCP-LIVE-002': 'fail',
      'SMCP-LIVE-003': 'fail',
      'SMCP-LIVE-004': 'fail',
      'SMCP-LIVE-005': 'fail',
      'SMCP-LIVE-006': 'fail',
      'SMCP-LIVE-007': 'not-applicable',
      'SMCP-LIVE-008': 'not-applicable',
    });
  });

  it('a 404 with a stack trace fails; metadata naming another resource fails', async () => {
    const { url } = await start((req, res, origin) => {
      if (req.url === '/mcp' || req.url?.startsWith('/.well-known/')) return good('https://other.example.com/api')(req, res, origin);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Error: Not Found\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)\n');
    });
    const results = await runLiveChecks(url, { timeoutMs: 5000 });
    const got = byId(results);
    expect(got['SMCP-LIVE-005']).toBe('fail');
    expect(got['SMCP-LIVE-007']).toBe('fail');
    expect(results.find((r) => r.id === 'SMCP-LIVE-005')?.message).toMatch(/stack trace/);
  });

  it('a 401 without a challenge warns; a server that closes an oversized upload early passes the body item', async () => {
    const { url } = await start((req, res) => {
      if (Number(req.headers['content-length'] ?? 0) > 1024 * 1024) return void req.socket.destroy();
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const got = byId(await runLiveChecks(url, { timeoutMs: 5000 }));
    expect(got['SMCP-LIVE-001']).toBe('warn');
    expect(got['SMCP-LIVE-004']).toBe('pass');
    expect(got['SMCP-LIVE-002']).toBe('warn'); // 401 to a foreign Host: auth ran, Host not refused by itself
  });

  it('nothing listening: every item could-not-run, nothing thrown', async () => {
    const { url, server } = await start(bad);
    await new Promise((resolve) => server.close(resolve));
    const results = await runLiveChecks(url, { timeoutMs: 2000 });
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['could-not-run']));
    expect(results).toHaveLength(LIVE_ITEMS.length);
  });

  it('a server that never answers times out: could-not-run, bounded time', async () => {
    const { url } = await start(() => undefined);
    const started = Date.now();
    const results = await runLiveChecks(url, { timeoutMs: 300 });
    expect(results.every((r) => r.status === 'could-not-run')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('only http(s) URLs; no credentials in the URL', async () => {
    for (const u of ['ftp://127.0.0.1/mcp', 'file:///etc/passwd', 'http://user:pw@127.0.0.1:1/mcp']) {
      const results = await runLiveChecks(new URL(u));
      expect(results.every((r) => r.status === 'could-not-run'), u).toBe(true);
    }
  });

  it('uses fetchImpl for the plain requests, never follows a redirect, never sends credentials', async () => {
    const { url } = await start(good());
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), init });
      return fetch(input, init);
    };
    const got = byId(await runLiveChecks(url, { fetchImpl }));
    expect(got['SMCP-LIVE-001']).toBe('pass');
    expect(got['SMCP-LIVE-007']).toBe('pass');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) {
      expect(s.init?.redirect).toBe('manual');
      expect(JSON.stringify(s.init?.headers ?? {})).not.toMatch(/authorization|cookie/i);
    }
  });

  it('https: TLS 1.2+ only passes; a server that accepts TLS 1.0/1.1 fails', async (ctx) => {
    if (cert === undefined) return ctx.skip();
    const modern = await start(good(), { ...cert, minVersion: 'TLSv1.2' });
    const ok = (await runLiveChecks(modern.url, { timeoutMs: 5000 })).find((r) => r.id === 'SMCP-LIVE-008');
    expect(ok?.status, ok?.message).toBe('pass');
    const old = await start(good(), { ...cert, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const weak = (await runLiveChecks(old.url, { timeoutMs: 5000 })).find((r) => r.id === 'SMCP-LIVE-008');
    expect(weak?.status, weak?.message).toBe('fail');
    expect(weak?.message).toMatch(/accepts TLSv1(\.1)?$/);
  });

  it('plain http on a non-loopback address fails the TLS item', async (ctx) => {
    const address = Object.values(os.networkInterfaces()).flat().find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;
    if (address === undefined) return ctx.skip();
    const server = http.createServer((req, res) => good()(req, res, `http://${address}:${(server.address() as AddressInfo).port}`));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    const url = new URL(`http://${address}:${(server.address() as AddressInfo).port}/mcp`);
    const item = (await runLiveChecks(url, { timeoutMs: 5000 })).find((r) => r.id === 'SMCP-LIVE-008');
    expect(item?.status, item?.message).toBe('fail');
    expect(item?.message).toMatch(/plaintext/);
  });
});
