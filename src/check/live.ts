/**
 * Live checks against a running MCP endpoint (`check --url`). Guards against a server that reads well
 * but answers badly: anonymous tools/list accepted, a foreign Host or Origin served (DNS rebinding,
 * cross-site use), huge bodies buffered, HTML error pages with stack traces, cacheable answers, OAuth
 * metadata naming another resource, and outdated TLS. The checks themselves are bounded: at most ten
 * requests in all, each with a timeout, no redirect ever followed, no credential ever sent, only
 * http(s) URLs; a request that cannot be made gives `could-not-run` for its item and nothing throws.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { CheckItem, Evidence, ItemResult, Status } from './types.js';

export interface LiveOptions {
  /** Per request (default 5000 ms). */
  timeoutMs?: number;
  /** Used for the plain requests (no forged Host, no oversized body); node:http(s) otherwise. */
  fetchImpl?: typeof fetch;
}

const MCP01 = 'MCP01: Token Mismanagement & Secret Exposure';
const MCP07 = 'MCP07: Insufficient Authentication & Authorization';
const MCP10 = 'MCP10: Context Injection & Over-Sharing';

const ITEMS = {
  auth: {
    id: 'SMCP-LIVE-001',
    title: 'Unauthenticated requests refused (401 with a Bearer challenge)',
    severity: 'critical',
    checklist: 'An MCP request without credentials is refused with 401 and a `WWW-Authenticate: Bearer` challenge (with resource_metadata under OAuth).',
    owasp: MCP07,
    hint: 'Authenticate every request before the MCP handler and answer 401 with WWW-Authenticate: Bearer (resource_metadata="…" for OAuth).',
  },
  host: {
    id: 'SMCP-LIVE-002',
    title: 'Foreign Host header refused',
    severity: 'high',
    checklist: 'A request whose Host is not one of the server\'s names is refused (DNS rebinding).',
    owasp: MCP07,
    hint: 'Validate Host against an allowlist (allowedHosts) before anything else and answer 403 or 421.',
  },
  origin: {
    id: 'SMCP-LIVE-003',
    title: 'Foreign Origin refused',
    severity: 'high',
    checklist: 'A request with a cross-site Origin is refused with 403.',
    owasp: MCP07,
    hint: 'Validate Origin against an allowlist (allowedOrigins) and answer 403 for any other.',
  },
  body: {
    id: 'SMCP-LIVE-004',
    title: 'Oversized body refused',
    severity: 'medium',
    checklist: 'A request body over the server\'s limit is refused with 413 before it is buffered.',
    owasp: MCP10,
    hint: 'Declare a body limit (express.json({ limit }), maxRequestBodySize) and refuse a larger Content-Length with 413.',
  },
  notFound: {
    id: 'SMCP-LIVE-005',
    title: 'Unknown paths answer a plain JSON 404',
    severity: 'low',
    checklist: 'An unknown path gets a JSON 404 without a stack trace or an HTML page.',
    owasp: MCP10,
    hint: 'Install a JSON 404 and a JSON error handler (express\'s default answers HTML with a stack trace outside production).',
  },
  cache: {
    id: 'SMCP-LIVE-006',
    title: 'MCP answers are not cacheable',
    severity: 'medium',
    checklist: 'Responses of the MCP endpoint carry `Cache-Control: no-store`.',
    owasp: MCP01,
    hint: 'Set Cache-Control: no-store on every response of the MCP endpoint (refusals included).',
  },
  metadata: {
    id: 'SMCP-LIVE-007',
    title: 'RFC 9728 metadata names this endpoint',
    severity: 'high',
    checklist: 'The protected-resource metadata the 401 points to is served and its `resource` is the endpoint\'s URL, with an authorization server.',
    owasp: MCP07,
    hint: 'Serve /.well-known/oauth-protected-resource<path> with resource set to the exact public URL of the endpoint and at least one authorization_servers entry.',
  },
  tls: {
    id: 'SMCP-LIVE-008',
    title: 'TLS 1.2 or later',
    severity: 'high',
    checklist: 'A remote endpoint is served over https with TLS 1.2 or later only.',
    owasp: MCP01,
    hint: 'Serve https with minVersion TLSv1.2 (or terminate TLS at a proxy configured the same way).',
  },
} as const satisfies Record<string, CheckItem>;

export const LIVE_ITEMS: readonly CheckItem[] = Object.values(ITEMS);

/** One answer, as far as the checks need it. */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** At most BODY_CAP characters. */
  readonly body: string;
}
type Attempt = { ok: true; answer: Answer } | { ok: false; error: string; closedEarly: boolean };

const BODY_CAP = 64 * 1024;
const OVERSIZE = 5 * 1024 * 1024;
const MAX_REQUESTS = 10;
const RPC_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
const RPC_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

function item(meta: CheckItem, status: Status, message: string, evidence: readonly Evidence[] = []): ItemResult {
  return { ...meta, status, message, evidence: evidence.slice(0, 5) };
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException | undefined;
  return String(e?.code ?? e?.message ?? error).slice(0, 200);
}

function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(bare) || bare === '::1';
}

/** The request counter and the transports; never throws. */
class Client {
  #count = 0;
  constructor(private readonly timeoutMs: number, private readonly fetchImpl: typeof fetch | undefined) {}

  /** Takes one request (or connection) from the budget; false when it is spent. */
  take(): boolean {
    if (this.#count >= MAX_REQUESTS) return false;
    this.#count++;
    return true;
  }

  get count(): number {
    return this.#count;
  }

  /** A plain request: through fetchImpl when given, else node:http(s). */
  async plain(url: URL, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Attempt> {
    if (this.fetchImpl === undefined) return this.node(url, init);
    if (!this.take()) return { ok: false, error: 'request budget spent', closedEarly: false };
    try {
      const response = await this.fetchImpl(url, { method: init.method, headers: init.headers ?? {}, body: init.body ?? null, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
      const text = await readCapped(response);
      return { ok: true, answer: { status: response.status, headers, body: text } };
    } catch (error) {
      return { ok: false, error: describe(error), closedEarly: false };
    }
  }

  /** A request through node:http(s): any Host header, a streamed body of `bodyBytes` bytes, no redirect. */
  node(url: URL, init: { method: string; headers?: Record<string, string>; body?: string; bodyBytes?: number }): Promise<Attempt> {
    if (!this.take()) return Promise.resolve({ ok: false, error: 'request budget spent', closedEarly: false });
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let sentAll = false;
      const finish = (attempt: Attempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(attempt);
      };
      const lib = url.protocol === 'https:' ? https : http;
      const total = init.bodyBytes ?? (init.body === undefined ? 0 : Buffer.byteLength(init.body));
      let req: http.ClientRequest;
      try {
        req = lib.request(url, {
          method: init.method,
          headers: { ...init.headers, ...(total > 0 && { 'content-length': String(total) }), connection: 'close' },
          agent: false,
          rejectUnauthorized: false, // no credential is ever sent; the certificate is reported by SMCP-LIVE-008
        });
      } catch (error) {
        resolve({ ok: false, error: describe(error), closedEarly: false });
        return;
      }
      timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('error', (error) => finish({ ok: false, error: describe(error), closedEarly: total > 0 && !sentAll }));
      req.on('response', (res) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length >= BODY_CAP) {
            body = body.slice(0, BODY_CAP);
            res.destroy();
            finish({ ok: true, answer: { status: res.statusCode ?? 0, headers, body } });
          }
        });
        res.on('end', () => finish({ ok: true, answer: { status: res.statusCode ?? 0, headers, body } }));
        res.on('error', () => finish({ ok: true, answer: { status: res.statusCode ?? 0, headers, body } }));
        res.on('close', () => finish({ ok: true, answer: { status: res.statusCode ?? 0, headers, body } }));
      });
      if (init.bodyBytes !== undefined) {
        // Streams the body in chunks, stopping as soon as an answer or an error arrives.
        const prefix = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"');
        const suffix = Buffer.from('"}}');
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let written = 0;
        const write = (): void => {
          while (!settled && written < total) {
            let piece: Buffer;
            if (written === 0) piece = prefix;
            else if (written + chunk.length + suffix.length >= total) piece = Buffer.concat([chunk.subarray(0, total - written - suffix.length), suffix]);
            else piece = chunk;
            written += piece.length;
            if (written >= total) {
              sentAll = true;
              req.end(piece);
              return;
            }
            if (!req.write(piece)) {
              req.once('drain', write);
              return;
            }
          }
        };
        write();
      } else req.end(init.body);
    });
  }
}

async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.length >= BODY_CAP) {
        await reader.cancel().catch(() => undefined);
        return text.slice(0, BODY_CAP);
      }
    }
  } catch {
    // what arrived is enough
  }
  return text;
}

const ev = (url: URL, method: string, what: string, answer?: Answer): Evidence => ({
  command: `${method} ${url.href}${what === '' ? '' : ` (${what})`}`,
  ...(answer !== undefined && { snippet: `HTTP ${answer.status}${answer.headers['content-type'] ? `, ${answer.headers['content-type']}` : ''}${answer.headers['www-authenticate'] ? `, WWW-Authenticate: ${answer.headers['www-authenticate'].slice(0, 200)}` : ''}` }),
});

/** The `resource_metadata` parameter of a Bearer challenge, or undefined. */
function resourceMetadata(challenge: string | undefined): string | undefined {
  return challenge === undefined ? undefined : /resource_metadata\s*=\s*"([^"]*)"/i.exec(challenge)?.[1];
}

export async function runLiveChecks(url: URL, options: LiveOptions = {}): Promise<ItemResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const all = Object.values(ITEMS);
  let target: URL;
  try {
    target = new URL(url.href);
  } catch {
    return all.map((meta) => item(meta, 'could-not-run', 'the URL cannot be parsed'));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return all.map((meta) => item(meta, 'could-not-run', `only http and https URLs can be checked (got ${target.protocol})`));
  if (target.username !== '' || target.password !== '') return all.map((meta) => item(meta, 'could-not-run', 'the URL carries credentials: give the endpoint URL without them'));
  target.hash = '';
  const client = new Client(timeoutMs, options.fetchImpl);
  const results: ItemResult[] = [];

  // 1. anonymous tools/list (its answer also serves the Cache-Control and metadata items)
  const anonymous = await client.plain(target, { method: 'POST', headers: RPC_HEADERS, body: RPC_BODY });
  if (!anonymous.ok) {
    // Nothing answers: every item could not run (one reason, no further requests).
    return all.map((meta) => item(meta, 'could-not-run', `the endpoint did not answer: ${anonymous.error}`, [ev(target, 'POST', 'tools/list, no credentials')]));
  }
  const a = anonymous.answer;
  const challenge = a.headers['www-authenticate'];
  const anonEv = [ev(target, 'POST', 'tools/list, no credentials', a)];
  if (a.status === 401 && challenge !== undefined && /^\s*Bearer\b/i.test(challenge)) results.push(item(ITEMS.auth, 'pass', `401 with a Bearer challenge${resourceMetadata(challenge) === undefined ? '' : ' (resource_metadata given)'}`, anonEv));
  else if (a.status === 401) results.push(item(ITEMS.auth, 'warn', challenge === undefined ? '401 without a WWW-Authenticate challenge: clients cannot discover how to authenticate' : `401, but the challenge is not Bearer (${challenge.slice(0, 80)})`, anonEv));
  else if (a.status === 403) results.push(item(ITEMS.auth, 'warn', '403 instead of 401: refused, but without a challenge clients can follow', anonEv));
  else if (a.status >= 300 && a.status < 400) results.push(item(ITEMS.auth, 'warn', `redirect (${a.status}) answered to an anonymous request (not followed)`, anonEv));
  else if (a.status >= 200 && a.status < 300) results.push(item(ITEMS.auth, 'fail', `anonymous tools/list accepted (HTTP ${a.status})`, anonEv));
  else results.push(item(ITEMS.auth, 'warn', `anonymous tools/list answered ${a.status} (not 401)`, anonEv));

  // 2. foreign Host (node:http: fetch does not let a caller set Host)
  const foreignHost = `rebind-${randomBytes(3).toString('hex')}.attacker.invalid`;
  const host = await client.node(target, { method: 'POST', headers: { ...RPC_HEADERS, host: foreignHost }, body: RPC_BODY });
  results.push(refusal(ITEMS.host, host, [400, 403, 421], `Host: ${foreignHost}`, target, 'Host'));

  // 3. foreign Origin
  const foreignOrigin = 'https://attacker.invalid';
  const origin = await client.plain(target, { method: 'POST', headers: { ...RPC_HEADERS, origin: foreignOrigin }, body: RPC_BODY });
  results.push(refusal(ITEMS.origin, origin, [403], `Origin: ${foreignOrigin}`, target, 'Origin'));

  // 4. oversized body (5 MiB, streamed; stops at the first answer)
  const big = await client.node(target, { method: 'POST', headers: RPC_HEADERS, bodyBytes: OVERSIZE });
  const bigEv = (answer?: Answer): Evidence[] => [ev(target, 'POST', `${OVERSIZE} byte body`, answer)];
  if (!big.ok) results.push(big.closedEarly ? item(ITEMS.body, 'pass', `the connection was closed before the body was accepted (${big.error})`, bigEv()) : item(ITEMS.body, 'could-not-run', `the request failed: ${big.error}`, bigEv()));
  else if (big.answer.status === 413) results.push(item(ITEMS.body, 'pass', '413 for a 5 MiB body', bigEv(big.answer)));
  else if (big.answer.status === 401 || big.answer.status === 403) results.push(item(ITEMS.body, 'warn', `refused with ${big.answer.status} (authentication) before any size check could be seen`, bigEv(big.answer)));
  else if (big.answer.status >= 200 && big.answer.status < 300) results.push(item(ITEMS.body, 'fail', `a 5 MiB body was accepted (HTTP ${big.answer.status})`, bigEv(big.answer)));
  else results.push(item(ITEMS.body, 'warn', `a 5 MiB body got ${big.answer.status}, not 413`, bigEv(big.answer)));

  // 5. unknown path
  const unknown = new URL(`/smcp-check-${randomBytes(4).toString('hex')}`, target);
  const nf = await client.plain(unknown, { method: 'GET', headers: { accept: 'application/json' } });
  if (!nf.ok) results.push(item(ITEMS.notFound, 'could-not-run', `the request failed: ${nf.error}`, [ev(unknown, 'GET', '')]));
  else results.push(notFound(nf.answer, unknown));

  // 6. Cache-Control on the MCP endpoint's answer (the anonymous one)
  const cache = a.headers['cache-control'];
  if (cache !== undefined && /\bno-store\b/i.test(cache)) results.push(item(ITEMS.cache, 'pass', `Cache-Control: ${cache}`, anonEv));
  else results.push(item(ITEMS.cache, 'fail', cache === undefined ? 'no Cache-Control header on the MCP answer' : `Cache-Control: ${cache} (no no-store)`, anonEv));

  // 7. RFC 9728 metadata, when the 401 points to it
  results.push(await metadata(client, target, a.status === 401 ? resourceMetadata(challenge) : undefined));

  // 8. TLS
  results.push(await tlsVersion(target, timeoutMs, client));
  return results;
}

function refusal(meta: CheckItem, attempt: Attempt, accepted: readonly number[], what: string, target: URL, header: string): ItemResult {
  if (!attempt.ok) return item(meta, 'could-not-run', `the request failed: ${attempt.error}`, [ev(target, 'POST', what)]);
  const { status } = attempt.answer;
  const evidence = [ev(target, 'POST', what, attempt.answer)];
  if (accepted.includes(status)) return item(meta, 'pass', `refused with ${status}`, evidence);
  if (status === 401) return item(meta, 'warn', `answered 401: authentication ran, but the foreign ${header} was not refused by itself`, evidence);
  if (status >= 200 && status < 300) return item(meta, 'fail', `a foreign ${header} was served (HTTP ${status})`, evidence);
  return item(meta, 'fail', `a foreign ${header} got ${status}, not ${accepted.join('/')}`, evidence);
}

const STACK = /\n\s+at\s+\S+.*\(?[^\s()]+:\d+:\d+\)?|node_modules[\\/]|\bat\s+(?:Object|Module|Layer|process)\.\S+\s*\(/;

function notFound(answer: Answer, url: URL): ItemResult {
  const type = answer.headers['content-type'] ?? '';
  const evidence = [ev(url, 'GET', '', answer)];
  if (STACK.test(answer.body)) return item(ITEMS.notFound, 'fail', 'the answer carries a stack trace', [...evidence, { snippet: answer.body.slice(0, 160).replace(/\s+/g, ' ') }]);
  if (/text\/html/i.test(type) || /<(?:!doctype|html)\b/i.test(answer.body)) return item(ITEMS.notFound, answer.status === 404 ? 'warn' : 'fail', `an HTML page (HTTP ${answer.status})`, evidence);
  if (answer.status !== 404) return item(ITEMS.notFound, answer.status >= 200 && answer.status < 300 ? 'fail' : 'warn', `an unknown path answered ${answer.status}, not 404`, evidence);
  if (!/json/i.test(type)) return item(ITEMS.notFound, 'warn', `404, but not JSON (${type === '' ? 'no Content-Type' : type})`, evidence);
  return item(ITEMS.notFound, 'pass', 'a JSON 404 without a stack trace', evidence);
}

async function metadata(client: Client, target: URL, advertised: string | undefined): Promise<ItemResult> {
  if (advertised === undefined) return item(ITEMS.metadata, 'not-applicable', 'the 401 does not advertise resource_metadata (no OAuth)');
  let metaUrl: URL;
  try {
    metaUrl = new URL(advertised);
  } catch {
    return item(ITEMS.metadata, 'fail', `resource_metadata is not a URL (${advertised.slice(0, 100)})`);
  }
  if (metaUrl.origin !== target.origin) return item(ITEMS.metadata, 'warn', `resource_metadata points to another origin (${metaUrl.origin}); not fetched`, [{ snippet: `resource_metadata="${advertised.slice(0, 200)}"` }]);
  const path = target.pathname === '/' ? '' : target.pathname.replace(/\/$/, '');
  const wellKnown = `${target.origin}/.well-known/oauth-protected-resource${path}`;
  const got = await client.plain(metaUrl, { method: 'GET', headers: { accept: 'application/json' } });
  const evidence = (answer?: Answer): Evidence[] => [ev(metaUrl, 'GET', '', answer)];
  if (!got.ok) return item(ITEMS.metadata, 'could-not-run', `the metadata request failed: ${got.error}`, evidence());
  if (got.answer.status !== 200) return item(ITEMS.metadata, 'fail', `the advertised metadata answered ${got.answer.status}`, evidence(got.answer));
  let doc: unknown;
  try {
    doc = JSON.parse(got.answer.body);
  } catch {
    return item(ITEMS.metadata, 'fail', 'the metadata is not JSON', evidence(got.answer));
  }
  const record = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const resource = record['resource'];
  const servers = record['authorization_servers'];
  const snippet = { snippet: `resource: ${JSON.stringify(resource)?.slice(0, 200)}; authorization_servers: ${JSON.stringify(servers)?.slice(0, 200)}` };
  if (typeof resource !== 'string') return item(ITEMS.metadata, 'fail', 'the metadata has no resource', [...evidence(got.answer), snippet]);
  if (!Array.isArray(servers) || servers.length === 0) return item(ITEMS.metadata, 'fail', 'the metadata lists no authorization_servers', [...evidence(got.answer), snippet]);
  let named: URL | undefined;
  try {
    named = new URL(resource);
  } catch {
    named = undefined;
  }
  const same = (u: URL): string => u.href.replace(/\/$/, '');
  if (named !== undefined && same(named) === same(target)) {
    const where = metaUrl.href === wellKnown ? '' : ` (served at ${metaUrl.pathname}, not the well-known ${new URL(wellKnown).pathname})`;
    return item(ITEMS.metadata, 'pass', `resource is the endpoint URL${where}`, [...evidence(got.answer), snippet]);
  }
  if (named !== undefined && named.pathname.replace(/\/$/, '') === target.pathname.replace(/\/$/, '')) {
    return item(ITEMS.metadata, 'warn', `resource names ${named.origin}, the endpoint was checked at ${target.origin}: fine only if that is its public URL`, [...evidence(got.answer), snippet]);
  }
  return item(ITEMS.metadata, 'fail', `resource (${resource.slice(0, 100)}) is not the endpoint URL (${target.href})`, [...evidence(got.answer), snippet]);
}

/** The negotiated protocol, and whether a TLS 1.1-or-older handshake is accepted. */
async function tlsVersion(target: URL, timeoutMs: number, client: Client): Promise<ItemResult> {
  if (target.protocol === 'http:') {
    return isLoopback(target.hostname)
      ? item(ITEMS.tls, 'not-applicable', 'plain http on a loopback address')
      : item(ITEMS.tls, 'fail', `plaintext http on a non-loopback host (${target.hostname}): credentials and answers travel unencrypted`, [{ command: `POST ${target.href}` }]);
  }
  const port = Number(target.port || 443);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
  const handshake = (legacy: boolean): Promise<{ protocol: string | null; authorized: boolean; error?: string }> => {
    if (!client.take()) return Promise.resolve({ protocol: null, authorized: false, error: 'request budget spent' });
    return new Promise((resolve) => {
      let done = false;
      const socket = tls.connect({
        host,
        port,
        ...(servername !== undefined && { servername }),
        rejectUnauthorized: false,
        ...(legacy ? { maxVersion: 'TLSv1.1' as const, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
      });
      const end = (value: { protocol: string | null; authorized: boolean; error?: string }): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(value);
      };
      const timer = setTimeout(() => end({ protocol: null, authorized: false, error: `timed out after ${timeoutMs} ms` }), timeoutMs);
      socket.once('secureConnect', () => end({ protocol: socket.getProtocol(), authorized: socket.authorized }));
      socket.once('error', (error) => end({ protocol: null, authorized: false, error: describe(error) }));
    });
  };
  const current = await handshake(false);
  const command = `tls.connect ${host}:${port}`;
  if (current.protocol === null) return item(ITEMS.tls, 'could-not-run', `no TLS handshake: ${current.error ?? 'unknown error'}`, [{ command }]);
  const legacy = await handshake(true);
  const evidence: Evidence[] = [{ command, snippet: `negotiated ${current.protocol}${current.authorized ? '' : ' (certificate not trusted by this machine)'}` }];
  if (legacy.protocol !== null) return item(ITEMS.tls, 'fail', `the server accepts ${legacy.protocol}`, [...evidence, { command: `${command} (maxVersion TLSv1.1)`, snippet: `negotiated ${legacy.protocol}` }]);
  if (!/^TLSv1\.[23]$/.test(current.protocol)) return item(ITEMS.tls, 'fail', `negotiated ${current.protocol}`, evidence);
  return item(ITEMS.tls, 'pass', `negotiated ${current.protocol}; TLS 1.1 and older refused`, evidence);
}
