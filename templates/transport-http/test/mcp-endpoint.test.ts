// The hand-off to the SDK (src/http/mcp-endpoint.ts): the SDK gets the body our chain parsed and the
// verified AuthInfo, never the caller's credentials, and its answer — JSON or a stream — reaches the
// client intact; a client that leaves aborts the SDK's request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpRequest } from '../src/http/chain.js';
import { serveMcp } from '../src/http/mcp-endpoint.js';

interface Seen {
  request: Request;
  options: { parsedBody?: unknown; authInfo?: AuthInfo } | undefined;
}

const AUTH: AuthInfo = { token: '[verified]', clientId: 'apikey:test', scopes: ['files:read'], expiresAt: Math.floor(Date.now() / 1000) + 60 };
const BODY = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } };

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A node:http server that plays the chain's part (parsed body, verified AuthInfo) and then hands off. */
async function serve(answer: (request: Request) => Response | Promise<Response>): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const mcp = {
    fetch: async (request: Request, options?: Seen['options']) => {
      seen.push({ request, options });
      return answer(request);
    },
  } as unknown as McpHttpHandler;
  server = http.createServer((req, res) => {
    const request = req as McpRequest;
    req.resume();
    req.once('end', () => {
      request.body = BODY;
      request.auth = AUTH;
      serveMcp(mcp, request, res).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, seen };
}

function post(port: number, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp?x=1', method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(BODY));
  });
}

describe('the hand-off to the SDK', () => {
  it('passes the parsed body and the verified AuthInfo, and withholds every credential header and the raw body', async () => {
    const { port, seen } = await serve(() => Response.json({ jsonrpc: '2.0', id: 7, result: {} }));
    const answer = await post(port, {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: 'Bearer smcp_secret-token',
      cookie: 'session=secret-cookie',
      'proxy-authorization': 'Basic c2VjcmV0',
      'mcp-protocol-version': '2025-11-25',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
    expect(seen).toHaveLength(1);
    const { request, options } = seen[0]!;
    expect(options?.parsedBody).toEqual(BODY);
    expect(options?.authInfo).toBe(AUTH);
    expect(request.method).toBe('POST');
    expect(new URL(request.url).pathname).toBe('/mcp');
    expect(request.body).toBeNull(); // the SDK never reads the bytes again
    for (const name of ['authorization', 'cookie', 'proxy-authorization', 'content-length', 'transfer-encoding']) {
      expect(request.headers.has(name), name).toBe(false);
    }
    expect(request.headers.get('mcp-protocol-version')).toBe('2025-11-25');
    expect(request.headers.get('accept')).toBe('application/json, text/event-stream');
    expect(JSON.stringify([...request.headers])).not.toMatch(/secret/);
  });

  it('streams an SSE answer chunk by chunk, with the SDK status and headers', async () => {
    const { port } = await serve(() => {
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('event: message\ndata: {"a":1}\n\n'));
          await new Promise((resolve) => setTimeout(resolve, 20));
          controller.enqueue(encoder.encode('event: message\ndata: {"b":2}\n\n'));
          controller.close();
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream', 'x-from-sdk': 'yes' } });
    });
    const answer = await post(port, { 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    expect(answer.headers['x-from-sdk']).toBe('yes');
    expect(answer.text).toBe('event: message\ndata: {"a":1}\n\nevent: message\ndata: {"b":2}\n\n');
  });

  it('aborts the SDK request when the client leaves mid-answer', async () => {
    let aborted: () => void = () => undefined;
    const abortedPromise = new Promise<void>((resolve) => (aborted = resolve));
    const { port, seen } = await serve((request) => {
      request.signal.addEventListener('abort', () => aborted(), { once: true });
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(': started\n\n')); // then nothing more: a long-running call
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    });
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy(); // the client goes away
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end('{}');
    });
    await abortedPromise;
    expect(seen[0]!.request.signal.aborted).toBe(true);
  });
});
