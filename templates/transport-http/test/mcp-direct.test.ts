// The direct lane (src/http/mcp-direct.ts): 2025-era tools/call, tools/list and ping on one shared
// server, over real HTTP. Each caller gets its own answer under its own JSON-RPC id even when
// concurrent callers chose the same id; a caller that leaves cancels its call; everything the SDK
// would answer differently (initialize, notifications, unsupported versions or media types, a scope
// challenge) still goes to the SDK's handler. The lane answers with a Content-Length (one frame); the
// SDK's handler streams (chunked): that is how these tests tell who answered.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { defineTool } from '../src/tools/define.js';
import { secretReader, slow } from './fixtures/tools.js';
import { fakeAuthenticator, principal, rawRequest, startHttpTestServer, type HttpTestServer } from './http-helpers.js';

let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers with its tag after `ms`: two calls with different delays finish in the opposite order. */
const tagged = defineTool({
  name: 'tagged',
  title: 'Tagged',
  description: 'Returns its tag after a delay.',
  inputSchema: z.object({ tag: z.string().max(20), ms: z.number().int().min(0).max(2000) }).strict(),
  scopes: [],
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(args) {
    await sleep(args.ms);
    return { content: [{ type: 'text', text: args.tag }] };
  },
});

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

const post = (port: number, body: unknown, headers: Record<string, string> = HEADERS) => rawRequest(port, { headers, body: JSON.stringify(body) });

/** The JSON-RPC message of a one-frame SSE answer. */
function message(body: string): { id?: unknown; result?: { content?: { text?: string }[] }; error?: { message?: string } } {
  const match = /^event: message\ndata: (.*)\n\n$/.exec(body);
  expect(match, body).not.toBeNull();
  return JSON.parse(match![1]!) as ReturnType<typeof message>;
}

describe('the direct lane', () => {
  it('answers a 2025-era tools/call itself: one SSE frame, the caller’s own id, one audit line', async () => {
    server = await startHttpTestServer();
    const res = await post(server.port, { jsonrpc: '2.0', id: 'my-id', method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body))); // the lane, not the SDK's stream
    expect(res.headers['cache-control']).toBe('no-store');
    const answer = message(res.body);
    expect(answer.id).toBe('my-id');
    expect(answer.result?.content?.[0]?.text).toContain('"principal":"local"');
    expect(server.audit().map((l) => [l.tool, l.outcome])).toEqual([['whoami', 'ok']]);
    for (const method of ['tools/list', 'ping']) {
      const other = await post(server.port, { jsonrpc: '2.0', id: 9, method });
      expect(other.headers['content-length'], method).toBeDefined();
      expect(message(other.body).id).toBe(9);
    }
  });

  it('concurrent callers that chose the same id each get their own answer', async () => {
    server = await startHttpTestServer({ extraTools: [tagged] });
    const call = (tag: string, ms: number) => post(server!.port, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'tagged', arguments: { tag, ms } } });
    const [first, second] = await Promise.all([call('first', 400), sleep(50).then(() => call('second', 0))]);
    for (const [res, tag] of [[first, 'first'], [second, 'second']] as const) {
      expect(res.headers['content-length']).toBeDefined();
      const answer = message(res.body);
      expect(answer.id).toBe(1);
      expect(answer.result?.content?.[0]?.text).toBe(tag);
    }
  });

  it('a caller that leaves cancels its call (the tool’s signal aborts; audited as cancelled)', async () => {
    server = await startHttpTestServer({ env: { TOOL_TIMEOUT_MS: '20000' }, extraTools: [slow] });
    const port = server.port;
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host: `127.0.0.1:${port}`, ...HEADERS }, agent: false });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { honourSignal: true } } }));
      setTimeout(() => (req.destroy(), resolve()), 300);
    });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !server.audit().some((l) => l.tool === 'slow')) await sleep(50);
    expect(server.audit().map((l) => [l.tool, l.outcome, l.reason])).toEqual([['slow', 'error', 'cancelled']]);
  });

  it('leaves to the SDK what it would answer otherwise', async () => {
    const scoped = { nobody: principal('apikey:nobody', []) };
    server = await startHttpTestServer({ authenticator: fakeAuthenticator(scoped), extraTools: [secretReader] });
    const headers: Record<string, string> = { ...HEADERS, authorization: 'Bearer nobody' };
    const { 'mcp-protocol-version': _version, ...unversioned } = headers;
    const whoami = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } };

    // initialize sets per-connection state: the SDK's per-request server answers it (streamed, no length)
    const init = await post(server.port, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } }, unversioned);
    expect(init.status).toBe(200);
    expect(init.headers['content-length']).toBeUndefined();
    // a notification: the SDK's 202
    expect((await post(server.port, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
    // an MCP-Protocol-Version the SDK does not serve, a client that does not accept SSE: the SDK's refusals
    expect((await post(server.port, whoami, { ...headers, 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
    expect((await post(server.port, whoami, { ...headers, accept: 'application/json' })).status).toBe(406);
    // a scoped tool the caller holds no scope for: the SDK's audited 403
    const refused = await post(server.port, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'secret_read', arguments: {} } }, headers);
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toContain('insufficient_scope');
    expect(server.audit().map((l) => [l.tool, l.outcome])).toEqual([['secret_read', 'denied']]);
    // and the lane still serves the plain call
    const ok = await post(server.port, whoami, headers);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-length']).toBeDefined();
  });
});
