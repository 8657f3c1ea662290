// HTTP test helpers: the REAL HTTP stack (config → runtime → request chain → SDK handler → guard →
// audit) on 127.0.0.1:0, with an injectable authenticator (tests make their own credentials) and
// raw-request helpers that see exactly what goes over the wire.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Config } from '../src/config.js';
import { httpRuntimeOptions } from '../src/http/app.js';
import { createAuthFailureLimiter } from '../src/http/auth-failures.js';
import { startHttpServer, type HttpServerHandle } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { authInfoFor, createLocalAuthenticator, type Authenticator, type AuthResult } from '../src/security/authenticator.js';
import type { Principal } from '../src/security/authz.js';
import { createIpLimiter } from '../src/security/rate-limit.js';
import type { ToolDefinition } from '../src/tools/define.js';
import { createTools } from '../src/tools/index.js';
import { readAudit, testConfig, type AuditLine } from './helpers.js';

/** Bearer tokens → principals; anything else is refused. Stands in for the project's real authenticator. */
export function fakeAuthenticator(tokens: Record<string, Principal>): Authenticator {
  return {
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header === undefined) return { ok: false, reason: 'no credential' };
      const principal = tokens[header.replace(/^Bearer /, '')];
      if (!principal) return { ok: false, reason: 'unknown credential' };
      return { ok: true, principal, authInfo: authInfoFor(principal, 'redacted', Math.floor(Date.now() / 1000) + 3600) };
    },
    challenge: (present) => (present ? 'Bearer realm="mcp", error="invalid_token"' : 'Bearer realm="mcp"'),
  };
}

export const principal = (id: string, scopes: string[]): Principal => ({ id, scopes, kind: 'local' });

export interface HttpTestServer {
  url: string;
  origin: string;
  port: number;
  handle: HttpServerHandle;
  runtime: Runtime;
  config: Config;
  audit(): AuditLine[];
  logs(): string;
  close(): Promise<void>;
}

export async function startHttpTestServer(options: { env?: Record<string, string>; extraTools?: readonly ToolDefinition[]; authenticator?: Authenticator; ipPoints?: number; authFailurePoints?: number } = {}): Promise<HttpTestServer> {
  // A fresh key prefix per server: with the Redis store, counters would otherwise carry over between tests.
  const config = testConfig({ PORT: '0', ...options.env });
  let logText = '';
  const logger = createLogger(config.logLevel, { write: (chunk: string) => void (logText += chunk) });
  const tools = [...createTools({ config }), ...(options.extraTools ?? [])];
  const runtime = openRuntime(config, logger, { tools, ...httpRuntimeOptions });
  await runtime.prepare(); // readies src/resources.ts, as both entry points do before serving
  const handle = await startHttpServer({
    runtime,
    http: config.http,
    authenticator: options.authenticator ?? createLocalAuthenticator(runtime.localPrincipal),
    ipLimiter: createIpLimiter(config, logger, options.ipPoints === undefined ? {} : { points: options.ipPoints }),
    authFailures: createAuthFailureLimiter(config, logger, options.authFailurePoints === undefined ? {} : { points: options.authFailurePoints }),
  });
  const url = new URL(handle.url);
  return {
    url: handle.url,
    origin: url.origin,
    port: Number(url.port),
    handle,
    runtime,
    config,
    audit: () => readAudit(config.auditLogDir),
    logs: () => logText,
    close: () => handle.shutdown('test done'),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with exactly the given headers (Host included), nothing added but Content-Length. */
export function rawRequest(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/mcp', headers: { host: `127.0.0.1:${port}`, ...options.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let nextId = 1;
/** A legacy-style JSON-RPC POST (what a 2025-era client sends), with headers a client would send. */
export function rpc(port: number, method: string, params: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(port, {
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
}

export const callTool = (port: number, name: string, args: unknown = {}, headers: Record<string, string> = {}) => rpc(port, 'tools/call', { name, arguments: args }, headers);

/** An SDK v2 client over real HTTP; `seen` collects every response's headers. */
export async function connectClient(url: string, mode: 'modern' | 'legacy', headers: Record<string, string> = {}) {
  const seen: Headers[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers },
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      seen.push(response.headers);
      return response;
    },
  });
  const client = new Client({ name: 'http-test', version: '0.0.0' }, mode === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
  await client.connect(transport);
  return { client, seen };
}

export interface AuthenticatorProbe {
  url: string;
  call(headers?: Record<string, string>): Promise<{ result: AuthResult; challenge: string }>;
  close(): Promise<void>;
}

/** A loopback server that runs `auth` on each real request and answers with its result and challenge. */
export async function authenticatorProbe(auth: Authenticator): Promise<AuthenticatorProbe> {
  const server = http.createServer((req, res) => {
    void auth.authenticate(req).then((result) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result, challenge: auth.challenge(req.headers.authorization !== undefined) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    async call(headers = {}) {
      const response = await fetch(url, { headers });
      return (await response.json()) as { result: AuthResult; challenge: string };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
