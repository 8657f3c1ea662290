// The audit log over HTTP: refusals before authentication are counted per address, not copied (a
// flood of bad credentials adds a bounded number of lines and never its arguments); a huge body
// makes a line no longer than the cap; a tools/call with a malformed JSON-RPC envelope, which the SDK
// would refuse unrecorded, gets its one line and a 400.
import { afterEach, describe, expect, it } from 'vitest';
import { LINE_MAX_BYTES } from '../src/security/audit.js';
import { readAuditRecords } from './helpers.js';
import { callTool, fakeAuthenticator, principal, rawRequest, startHttpTestServer, type HttpTestServer } from './http-helpers.js';

let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const tokens = { good: principal('apikey:good', ['files:read']) };
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

/** ~`bytes` of nested empty arrays, wide at every level (the review's body). */
const nestedArrays = (bytes: number): string => {
  const unit = '[[[[[[[]]]]]]]';
  return `[${Array.from({ length: Math.floor(bytes / (unit.length + 1)) }, () => unit).join(',')}]`;
};

describe('refusals before authentication are counted, not copied', () => {
  it('1000 requests with a bad key from one address add a bounded number of lines, never their arguments', async () => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens), ipPoints: 100_000 });
    const statuses = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const res = await callTool(server.port, 'whoami', { secret: `payload-${i}`, pad: 'x'.repeat(2000) }, { authorization: 'Bearer wrong' });
      statuses.add(res.status);
    }
    expect([...statuses].every((s) => s === 401 || s === 429)).toBe(true);
    server.runtime.audit.close(); // writes the counts of the window
    const refusals = readAuditRecords(server.config.auditLogDir).filter((r) => r.type === 'refusal');
    expect(refusals.length).toBeLessThanOrEqual(4); // per outcome (401, 429): the first line and the count
    expect(refusals.reduce((sum, r) => sum + Number(r['count']), 0)).toBe(1000);
    const raw = JSON.stringify(readAuditRecords(server.config.auditLogDir));
    expect(raw).not.toContain('payload-');
    expect(raw.length).toBeLessThan(20_000);
  });
});

describe('bounded lines', () => {
  it('a ~1 MB body of nested empty arrays: 401 unauthenticated, or one capped line for a principal', async () => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens), env: { HTTP_MAX_BODY_BYTES: String(2 * 1024 * 1024) } });
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":${nestedArrays(1024 * 1024)}}}}`;
    const anonymous = await rawRequest(server.port, { headers: json, body });
    expect(anonymous.status).toBe(401);
    const authenticated = await rawRequest(server.port, { headers: { ...json, authorization: 'Bearer good' }, body });
    expect([200, 400]).toContain(authenticated.status);
    server.runtime.audit.close();
    const file = server.runtime.audit.file;
    const lines = (await import('node:fs')).readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(LINE_MAX_BYTES);
    const calls = readAuditRecords(file).filter((r) => r.type === 'call' || r.type === 'refusal');
    expect(calls.map((r) => [r.type, r['outcome']])).toEqual([
      ['refusal', 'unauthenticated'],
      ['call', 'invalid_args'],
    ]);
    expect(calls[0]?.['args']).toBeUndefined();
    expect(calls[1]?.['argsCut']).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('a malformed tools/call envelope is recorded (one line) and refused with 400', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['params is a string', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: 'x' }, /params is not an object/],
    ['jsonrpc is "1.0"', { jsonrpc: '1.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, /jsonrpc is not "2.0"/],
    ['the id is an object', { jsonrpc: '2.0', id: { a: 1 }, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, /id is not a string or an integer/],
  ];
  it.each(cases)('%s', async (_name, message, reason) => {
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(tokens) });
    const res = await rawRequest(server.port, { headers: { ...json, authorization: 'Bearer good' }, body: JSON.stringify(message) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: -32600 } });
    const lines = server.audit();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'call', principal: 'apikey:good', outcome: 'invalid_args' });
    expect(lines[0]?.reason).toMatch(reason);
  });
});
