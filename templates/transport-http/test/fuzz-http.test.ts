// Property-based fuzzing of the HTTP endpoint (fast-check) with raw requests on a socket, through the
// REAL HTTP stack (startHttpTestServer). Guards against requests nobody thought of: malformed
// JSON-RPC, wrong types, huge and deep values, invalid UTF-8, odd or conflicting headers (Content-Type,
// Content-Length, Transfer-Encoding, Content-Encoding, duplicated and oversized headers, Host, Origin),
// odd methods and request targets (absolute-form included), with and without credentials. Each must be
// answered below 500 (or the connection closed, for a request the client itself cut short), with no
// stack trace, host path or secret in the answer; the server still serves a normal call afterwards and
// the audit chain verifies. A few hundred cases by default; FUZZ_RUNS=<n> (a test knob, not a server
// setting) runs n, e.g. `FUZZ_RUNS=10000 npx vitest run test/fuzz-http.test.ts` (it prints the
// answers counted by status).
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/security/json-depth.js';
import { verifyAuditDir } from '../src/security/audit-check.js';
import * as z from 'zod/v4';
import { createTools } from '../src/tools/index.js';
import { fakeAuthenticator, principal, rawRequest, startHttpTestServer, type HttpTestServer } from './http-helpers.js';
import { fuzzRuns, PROJECT_ROOT, randomKey, testConfig } from './helpers.js';

const RUNS = fuzzRuns(300);
const TOOLS = createTools({ config: testConfig() });
const TOOL_NAMES = TOOLS.map((tool) => tool.name);
const ALL_SCOPES = [...new Set(TOOLS.flatMap((tool) => tool.scopes))];
/** Each tool's own argument names, so fuzzed calls reach the tools' value checks too. */
const TOOL_KEYS = TOOLS.map((tool) => ({ name: tool.name, keys: Object.keys((z.toJSONSchema(tool.inputSchema, { io: 'input' }) as { properties?: object }).properties ?? {}) }));

// ---- a raw HTTP/1.1 exchange on a socket: exactly the bytes given, nothing added ----

interface RawExchange {
  /** The answer's status; 0 when the server closed the connection without one. */
  status: number;
  head: string;
  body: string;
}

/** Sends `bytes` and reads one response (Content-Length, chunked, or up to close). `halfClose` ends the sending side after writing. */
function exchange(port: number, bytes: Buffer, options: { halfClose?: boolean; head?: boolean; timeoutMs?: number } = {}): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      data = skipInterim(data);
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (data.length === 0) return timedOut ? reject(new Error('no answer, and the connection still open, after the timeout')) : resolve({ status: 0, head: '', body: '' });
      if (end < 0 || timedOut && !complete()) return reject(new Error(`incomplete answer${timedOut ? ' (timeout)' : ''}: ${JSON.stringify(text.slice(0, 300))}`));
      const head = text.slice(0, end);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
      let body = data.subarray(Buffer.byteLength(head, 'latin1') + 4);
      if (options.head) body = Buffer.alloc(0); // a HEAD answer has no body: anything after it answers the next request
      else if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
      resolve({ status, head, body: body.toString('utf8') });
    };
    /** Is one whole response in `data` yet? */
    const complete = (): boolean => {
      const text = skipInterim(data).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return false;
      if (options.head) return true;
      const head = text.slice(0, end);
      const rest = Buffer.byteLength(text, 'latin1') - (end + 4);
      const length = /^content-length:\s*(\d+)/im.exec(head);
      if (length) return rest >= Number(length[1]);
      if (/^transfer-encoding:\s*chunked/im.test(head)) return text.endsWith('\r\n0\r\n\r\n') || text.slice(end).startsWith('\r\n\r\n0\r\n\r\n');
      return false; // read until close
    };
    const timer = setTimeout(() => finish(true), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (complete()) finish(false);
    });
    socket.on('error', () => finish(false)); // a reset after the answer, or instead of one
    socket.on('close', () => finish(false));
    socket.write(bytes, () => {
      if (options.halfClose) socket.end();
    });
  });
}

/** Drops interim 1xx answers (100 Continue to an `Expect`): the final answer follows them. */
function skipInterim(data: Buffer): Buffer {
  let at = 0;
  for (;;) {
    const text = data.subarray(at, at + 64).toString('latin1');
    if (!/^HTTP\/1\.[01] 1\d\d /.test(text)) return data.subarray(at);
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) return data.subarray(at);
    at = end + 4;
  }
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// ---- arbitraries ----

const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 48 }),
  fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 4 }).map((units) => String.fromCharCode(...units)),
  fc.constantFrom('', '../../etc/passwd', '\u0000', '__proto__', 'constructor', '\u202e', 'http://169.254.169.254/', 'a'.repeat(5000)),
);
const oddNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 2 ** 53, 1e308, Number.MIN_VALUE));
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  { arbitrary: oddString, weight: 3 },
  { arbitrary: oddNumber, weight: 1 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}), weight: 1 },
);

/** JSON nested `depth` levels, as text (built as text: parsing it is what the server must survive). */
const deepJson = fc.tuple(fc.integer({ min: MAX_JSON_DEPTH - 3, max: 100_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}';
  return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":${open.repeat(depth)}1${close.repeat(depth)}}}`;
});

const METHODS = ['initialize', 'ping', 'tools/list', 'tools/call', 'notifications/initialized', 'notifications/cancelled', 'resources/list', 'prompts/get', 'logging/setLevel', 'rpc.discover', 'x/y', ''];

/** A well-formed tools/call of a real tool, with arbitrary values (and sometimes unknown keys) as its arguments. */
const toolCall: fc.Arbitrary<unknown> = fc
  .constantFrom(...TOOL_KEYS)
  .chain(({ name, keys }) =>
    fc.record({
      jsonrpc: fc.constant('2.0'),
      id: fc.oneof(fc.nat(), fc.string({ maxLength: 12 })),
      method: fc.constant('tools/call'),
      params: fc.record({
        name: fc.constant(name),
        arguments: fc.dictionary(keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })) : fc.string({ maxLength: 8 }), anyValue, { maxKeys: keys.length + 1 }),
      }),
    }),
  );

/** A JSON-RPC message: well-formed tool calls, envelopes with odd members, sometimes wrong at every level. */
const rpcMessage: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: toolCall },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), anyValue),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), anyValue),
        method: fc.oneof(fc.constantFrom(...METHODS), anyValue),
        params: fc.oneof(
          fc.record({ name: fc.oneof(fc.constantFrom(...TOOL_NAMES), oddString, anyValue), arguments: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 4 }), anyValue) }, { requiredKeys: [] }),
          fc.record({ protocolVersion: fc.oneof(fc.constantFrom('2025-11-25', '2025-06-18', '2026-07-28', '1.0'), anyValue), capabilities: anyValue, clientInfo: anyValue }, { requiredKeys: [] }),
          anyValue,
        ),
        extra: anyValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.array(fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), method: fc.constantFrom(...METHODS) }), { maxLength: 5 }) }, // batch
  { weight: 1, arbitrary: anyValue },
);

/** The body: JSON text (valid or not), invalid UTF-8, deep or huge. */
const body: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: rpcMessage.map((m) => Buffer.from(JSON.stringify(m) ?? 'undefined')) },
  { weight: 1, arbitrary: deepJson.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) }, // random bytes
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...TOOL_NAMES), fc.constantFrom([0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xef, 0xbb, 0xbf]), fc.boolean(), fc.boolean())
      .map(([tool, bad, inName, leading]) => {
        // Invalid UTF-8 bytes inside JSON strings (a tool name or an argument), or before the JSON (a stray BOM / byte).
        const [before, after] = (inName ? `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}@@","arguments":{}}}` : `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}","arguments":{"x":"@@"}}}`).split('@@');
        return leading ? Buffer.concat([Buffer.from(bad), Buffer.from(`${before}${after}`)]) : Buffer.concat([Buffer.from(before!), Buffer.from(bad), Buffer.from(after!)]);
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r\n', 'null', '[]', '{}', '{"jsonrpc":"2.0"', '{"a":1}{"b":2}', '\ufeff{"jsonrpc":"2.0","id":1,"method":"ping"}', 'ＡＢＣ').map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 900_000, max: 1_200_000 }), fc.constantFrom('a', '\u00e9')).map(([n, c]) => Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":"${c.repeat(n / c.length)}"}}}`)) },
);

/** Headers as [name, value] pairs (repeats allowed), values as bytes-in-a-string (latin1 on the wire). */
type Header = [string, string];

interface Case {
  method: string;
  target: string;
  headers: Header[];
  body: Buffer;
  /** How Content-Length / Transfer-Encoding frame the body. */
  framing: 'exact' | 'none' | 'longer' | 'shorter' | 'bogus' | 'duplicate' | 'chunked' | 'chunked+length';
  /** The Content-Length value of the 'bogus' framing. */
  bogusLength: string;
}

function caseFor(port: number, token: string): fc.Arbitrary<Case> {
  const self = `127.0.0.1:${port}`;
  const host = fc.oneof(
    { weight: 8, arbitrary: fc.constant([['Host', self]] as Header[]) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('evil.example', `localhost:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `[::1]:${port}`, '', ' ', `${self}.`, `${self}@evil.example`, `user@${self}`, `127.0.0.1:${port}/x`, `127.0.0.1:0${port}`, `0x7f000001:${port}`, 'a'.repeat(300))
        .map((h) => [['Host', h]] as Header[]),
    },
    { weight: 1, arbitrary: fc.constantFrom<Header[]>([], [['Host', self], ['Host', 'evil.example']], [['Host', self], ['Host', self]]) },
  );
  const origin = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as Header[]) },
    { weight: 2, arbitrary: fc.constantFrom('null', 'http://evil.example', `http://${self}`, `https://${self}`, `http://localhost:${port}`, 'file://', '*', 'http://127.0.0.1', '\u00ff').map((o) => [['Origin', o]] as Header[]) },
  );
  const auth = fc.oneof(
    { weight: 5, arbitrary: fc.constant([['Authorization', `Bearer ${token}`]] as Header[]) },
    { weight: 2, arbitrary: fc.constant([] as Header[]) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('Bearer', 'Bearer ', 'Bearer wrong', `bearer ${token}`, `Bearer  ${token}`, `Bearer ${token}x`, 'Basic YTpi', `Bearer ${'A'.repeat(8000)}`, 'Bearer \u00ff\u00fe', `Token ${token}`)
        .map((a) => [['Authorization', a]] as Header[]),
    },
    { weight: 1, arbitrary: fc.constant([['Authorization', `Bearer ${token}`], ['Authorization', 'Bearer wrong']] as Header[]) },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant([['Content-Type', 'application/json']] as Header[]) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom('text/plain', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;;', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/*', '', 'application/json, text/html', '\u00ff')
        .map((t) => [['Content-Type', t]] as Header[]),
    },
    { weight: 1, arbitrary: fc.constantFrom<Header[]>([], [['Content-Type', 'application/json'], ['Content-Type', 'text/plain']]) },
  );
  const accept = fc.oneof(
    { weight: 6, arbitrary: fc.constant([['Accept', 'application/json, text/event-stream']] as Header[]) },
    { weight: 2, arbitrary: fc.constantFrom<Header[]>([], [['Accept', '*/*']], [['Accept', 'text/html']], [['Accept', 'application/json']], [['Accept', 'text/event-stream']]) },
  );
  const version = fc.oneof(
    { weight: 6, arbitrary: fc.constant([['MCP-Protocol-Version', '2025-11-25']] as Header[]) },
    { weight: 2, arbitrary: fc.constantFrom<Header[]>([], [['MCP-Protocol-Version', '1999-01-01']], [['MCP-Protocol-Version', 'x'.repeat(500)]], [['Mcp-Session-Id', 'abc']], [['MCP-Protocol-Version', '2025-11-25'], ['MCP-Protocol-Version', '2025-06-18']]) },
  );
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as Header[]) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Header[]>(
        [['Content-Encoding', 'gzip']],
        [['Content-Encoding', 'deflate']],
        [['Content-Encoding', 'br']],
        [['Content-Encoding', 'identity']],
        [['Content-Encoding', 'x-unknown']],
        [['Content-Encoding', 'gzip, gzip']],
        [['X-Forwarded-For', '1.2.3.4, 127.0.0.1']],
        [['X-Forwarded-Host', 'evil.example']],
        [['Forwarded', 'for=1.2.3.4;host=evil.example']],
        [['X-Pad', 'a'.repeat(20_000)]], // over the header size limit: 431
        [['X-Pad', 'a'.repeat(7_000)]],
        Array.from({ length: 300 }, (_, i): Header => [`X-H${i}`, 'v']), // many headers
        [['Expect', '100-continue']],
        [['Connection', 'keep-alive, Upgrade'], ['Upgrade', 'websocket']],
        [['X-Odd', '\u00ff\u0080 latin1 bytes']],
        [['Cookie', 'a=b; c=d'.repeat(100)]],
        [['Range', 'bytes=0-1']],
        [['X-Http-Method-Override', 'DELETE']],
      ),
    },
  );
  const target = fc.oneof(
    { weight: 8, arbitrary: fc.constant('/mcp') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '/mcp?x=1', '/mcp/', '/MCP', '//mcp', '/mcp#f', '/%6dcp', '/./mcp', '/x/../mcp', '/mcp%00', '/', '/.well-known/x', '/.well-known/x/mcp', '/favicon.ico',
        `http://${self}/mcp`, `HTTP://${self}/mcp`, 'http://evil.example/mcp', `http://user:pw@${self}/mcp`, `https://${self}/mcp`, `http://${self}`, `ftp://${self}/mcp`, '*', self, 'mcp', `/${'a'.repeat(10_000)}`, `/mcp?${'q=1&'.repeat(2_000)}`,
      ),
    },
  );
  const method = fc.oneof({ weight: 10, arbitrary: fc.constant('POST') }, { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO', 'post', 'PRI') });
  const framing = fc.oneof(
    { weight: 10, arbitrary: fc.constant<Case['framing']>('exact') },
    { weight: 3, arbitrary: fc.constantFrom<Case['framing']>('none', 'longer', 'shorter', 'bogus', 'duplicate', 'chunked', 'chunked+length') },
  );
  const everything = fc
    .record({ method, target, host, origin, auth, contentType, accept, version, extra, body, framing, order: fc.boolean(), bogusLength: fc.constantFrom('abc', '-1', '1e3', ' 10', '0x10', '99999999999999999999', '', '+5', '5 5') })
    .map(({ method, target, host, origin, auth, contentType, accept, version, extra, body, framing, order, bogusLength }) => {
      const headers = [...host, ...origin, ...auth, ...contentType, ...accept, ...version, ...extra];
      return { method, target, headers: order ? headers : headers.reverse(), body, framing, bogusLength };
    });
  // Half the cases are a normal, authenticated POST /mcp whose body alone is fuzzed: they reach the SDK and the tools.
  const bodyOnly = body.map(
    (b): Case => ({
      method: 'POST',
      target: '/mcp',
      headers: [['Host', self], ['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json'], ['Accept', 'application/json, text/event-stream'], ['MCP-Protocol-Version', '2025-11-25']],
      body: b,
      framing: 'exact',
      bogusLength: '',
    }),
  );
  return fc.oneof(bodyOnly, everything);
}

/** The request's bytes, framed as the case says. */
function requestBytes(c: Case): Buffer {
  const headers = [...c.headers];
  let payload = c.body;
  switch (c.framing) {
    case 'exact':
      headers.push(['Content-Length', String(payload.length)]);
      break;
    case 'none':
      break;
    case 'longer': // declares more than it sends: the client then stops sending
      headers.push(['Content-Length', String(payload.length + 10)]);
      break;
    case 'shorter': // sends more than it declares: the rest looks like a second request
      headers.push(['Content-Length', String(Math.max(0, payload.length - 5))]);
      break;
    case 'bogus':
      headers.push(['Content-Length', c.bogusLength]);
      break;
    case 'duplicate':
      headers.push(['Content-Length', String(payload.length)], ['Content-Length', String(payload.length + 1)]);
      break;
    case 'chunked':
    case 'chunked+length': {
      headers.push(['Transfer-Encoding', 'chunked']);
      if (c.framing === 'chunked+length') headers.push(['Content-Length', String(payload.length)]);
      const half = Math.floor(payload.length / 2);
      const chunks = [payload.subarray(0, half), payload.subarray(half)].filter((p) => p.length > 0);
      payload = Buffer.concat([...chunks.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);
      break;
    }
  }
  headers.push(['Connection', 'close']);
  const head = `${c.method} ${c.target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

// ---- what no answer may contain ----

const STACK = /\bat [\w.<>$]+ \(|\bat (?:file:|node:|\/)|node_modules|node:internal|\.ts:\d+|\.js:\d+:\d+|<html|<!DOCTYPE|<pre>/i;

/** `secrets` must never appear in an answer; `paths` only when the request itself did not carry them. */
function expectClean(answer: RawExchange, secrets: readonly string[], paths: readonly string[], c: Case, request: string): void {
  const text = `${answer.head}\r\n\r\n${answer.body}`;
  const label = `${c.method} ${c.target.slice(0, 80)} ${c.framing} → ${answer.status}: ${answer.body.slice(0, 300)}`;
  expect(answer.status, label).toBeLessThan(500);
  expect(text, label).not.toMatch(STACK);
  for (const secret of secrets) expect(text, label).not.toContain(secret);
  for (const hostPath of paths) if (!request.includes(hostPath)) expect(text, label).not.toContain(hostPath);
  if (answer.status !== 0) expect(answer.head, label).toMatch(/^cache-control:\s*no-store/im);
  // Every refusal is JSON (HEAD included: its headers say what the body would be); a body is JSON or an
  // SSE stream of JSON messages: never HTML or plain text.
  if (answer.status >= 400 || (answer.body !== '' && answer.status !== 0)) {
    expect(answer.head, label).toMatch(/^content-type:\s*(application\/json|text\/event-stream)/im);
  }
}

let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('fuzzing the HTTP endpoint', () => {
  test('arbitrary requests: no 5xx, no crash, no stack, path or secret; a normal call still works; the audit chain verifies', async () => {
    const token = randomKey();
    server = await startHttpTestServer({
      env: { RATE_LIMIT_POINTS: '1000000', LOG_LEVEL: 'warn' },
      authenticator: fakeAuthenticator({ [token]: principal('fuzzer', ALL_SCOPES) }),
      ipPoints: 1_000_000,
      authFailurePoints: 1_000_000,
    });
    const { port, config } = server;
    const secrets = [config.auditHmacKey.reveal(), token];
    // The project folder, the home folder and the test's temp folder (AUDIT_LOG_DIR is <temp>/logs/audit).
    const paths = [PROJECT_ROOT, os.homedir(), path.dirname(path.dirname(config.auditLogDir))].filter((p) => p.length > 1);
    const byStatus = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(caseFor(port, token), async (c) => {
        // A request that declares more body than it sends, or whose framing the server refuses,
        // may be answered by closing the connection (status 0): the client stopped sending.
        const truncated = c.framing === 'longer' || c.framing === 'bogus'; // ' 10' is a valid length to the parser
        const bytes = requestBytes(c);
        const answer = await exchange(port, bytes, { halfClose: truncated, head: c.method === 'HEAD' });
        byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        if (answer.status === 0) expect(truncated, `${c.method} ${c.target.slice(0, 80)} ${c.framing}: connection closed without an answer`).toBe(true);
        expectClean(answer, secrets, paths, c, bytes.toString('latin1'));
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    if (process.env['FUZZ_RUNS']) console.info(`HTTP fuzz: ${RUNS} cases, answers by status: ${JSON.stringify(Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)))}`);

    // Still serving: a normal call with credentials.
    const ok = await rawRequest(port, {
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('fuzzer');
    // Nothing failed inside the server (no error-level log line: a 500, a failed handler).
    expect(server.logs()).not.toMatch(/"level":(?:50|60)/);
    await server.close();
    server = undefined;
    const report = verifyAuditDir(config.auditLogDir, config.auditHmacKey);
    expect(report.status).toBe('ok');
    expect(report.segments.map((s) => s.status)).toEqual(report.segments.map(() => 'verified'));
    expect(report.records).toBeGreaterThan(2); // start, the calls, end
  }, 600_000);
});

// Each case the fuzzer found, kept as a plain test.
describe('regressions found by fuzzing the HTTP endpoint', () => {
  for (const method of ['POST', 'HEAD', 'GET'] as const) {
    test(`a ${method} without a Host header gets 403 JSON with the security headers (Node's own check answered an empty 400 without them)`, async () => {
      server = await startHttpTestServer();
      const request = `${method} /mcp HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
      const answer = await exchange(server.port, Buffer.from(request), { head: method === 'HEAD' });
      expect(answer.status).toBe(403);
      expect(answer.head).toMatch(/^content-type: application\/json/im);
      expect(answer.head).toMatch(/^x-content-type-options: nosniff/im);
      expect(answer.head).toMatch(/^cache-control: no-store/im);
      if (method !== 'HEAD') expect(JSON.parse(answer.body)).toMatchObject({ error: { message: 'Forbidden: Host header not allowed' } });
    });
  }
});
