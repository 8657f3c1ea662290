// The direct lane of POST /mcp: the 2025-era calls that carry no per-connection state (tools/call,
// tools/list, ping) are answered by ONE McpServer for the process, built by the same buildServer as
// every other (guard, tools, audit), over a transport that takes the JSON our chain parsed and writes
// the answer straight to the node:http response — no web Request/Response, no stream, no server and
// transport built and torn down per request. The answer is what the SDK's stateless leg sends: 200,
// text/event-stream, one `event: message` frame per message.
// Guards against:
//   - deciding differently from the SDK: a request takes this lane only where the SDK's own handler
//     would serve it on its 2025-era stateless leg without an error of its own — its classifier says
//     legacy with no envelope claim, both media types are accepted, the MCP-Protocol-Version (if any) is
//     one it supports, the body is one valid JSON-RPC request, and no scope challenge would fire (a
//     scoped tool the caller lacks a scope for gets the SDK's audited 403). Everything else —
//     initialize, notifications, 2026-era requests, every refusal — goes to the SDK's handler
//     (src/http/mcp-endpoint.ts);
//   - one caller's call reaching another's answer: the JSON-RPC id a client chose is replaced by a
//     process-unique one on the way in and restored on the way out, so equal ids of concurrent clients
//     never meet; nothing that sets per-connection state (initialize, logging/setLevel, notifications)
//     ever reaches the shared server;
//   - credentials reaching tools: the server gets the verified AuthInfo only, no request headers;
//   - a client that goes away: its call is cancelled with notifications/cancelled (the SDK's own
//     mechanism: the tool's signal aborts) and nothing more is written for it.
import type { ServerResponse } from 'node:http';
import {
  classifyInboundRequest,
  isJsonContentType,
  parseJSONRPCMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
  type AuthInfo,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { buildServer } from '../server.js';
import type { McpRequest } from './chain.js';

/** Methods a shared server answers exactly as a fresh one would: they read no per-connection state. */
const LANE_METHODS: ReadonlySet<string> = new Set(['tools/call', 'tools/list', 'ping']);

/** One request on the lane: where its answer goes and the id its client chose. */
interface Exchange {
  res: ServerResponse;
  clientId: RequestId;
  /** An `event: message` frame has been written before the answer (a notification): the head is sent. */
  streaming: boolean;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/** The SDK's SSE framing of one message (WebStandardStreamableHTTPServerTransport#writeSSEEvent). */
const frame = (message: JSONRPCMessage): string => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

/** The transport under the shared server: many HTTP exchanges at once, each keyed by its lane id. */
class LaneTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly #open = new Map<number, Exchange>();
  #nextId = 0;
  #closed = false;

  async start(): Promise<void> {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Hands one parsed JSON-RPC request to the server; the answer goes to `res`. */
  dispatch(request: JSONRPCMessage & { id: RequestId }, authInfo: AuthInfo | undefined, res: ServerResponse): void {
    this.#nextId = this.#nextId >= Number.MAX_SAFE_INTEGER ? 1 : this.#nextId + 1;
    const laneId = this.#nextId;
    this.#open.set(laneId, { res, clientId: request.id, streaming: false });
    res.once('close', () => {
      // Still open when the response closes: the client left before its answer.
      if (this.#open.delete(laneId) && !this.#closed) {
        this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: laneId, reason: 'client disconnected' } });
      }
    });
    this.onmessage?.({ ...request, id: laneId }, authInfo === undefined ? undefined : { authInfo });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = !('method' in message); // a result or an error response
    const laneId = isAnswer ? (message as { id?: unknown }).id : options?.relatedRequestId;
    const exchange = typeof laneId === 'number' ? this.#open.get(laneId) : undefined;
    if (exchange === undefined) return; // its client has gone: nothing to write
    const { res } = exchange;
    let text: string;
    try {
      text = frame(isAnswer ? ({ ...message, id: exchange.clientId } as JSONRPCMessage) : message);
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      if (!isAnswer) return;
      text = frame({ jsonrpc: '2.0', id: exchange.clientId, error: { code: -32603, message: 'Internal error' } });
    }
    if (!isAnswer) {
      // A message before the answer (progress, a log line): open the stream and keep it open.
      if (!exchange.streaming) {
        exchange.streaming = true;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Accel-Buffering': 'no' });
      }
      res.write(text);
      return;
    }
    this.#open.delete(laneId as number);
    if (!exchange.streaming) res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Accel-Buffering': 'no', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { res } of this.#open.values()) res.destroy(); // shutdown: calls still open get no answer
    this.#open.clear();
    this.onclose?.();
  }
}

export interface DirectLane {
  /** Serves `req` on the lane and returns true, or returns false (untouched) for the SDK's handler. */
  serve(req: McpRequest, res: ServerResponse): boolean;
  close(): Promise<void>;
}

export function createDirectLane(runtime: Runtime, logger: Logger): DirectLane {
  const transport = new LaneTransport();
  const server = buildServer(runtime);
  server.server.onerror = (err) => logger.warn({ err: { message: err.message } }, 'MCP request refused or failed');
  // connect() wires the transport synchronously; only its (empty) start is awaited.
  server.connect(transport).catch((err: unknown) => logger.error({ err }, 'the direct MCP lane could not start; the SDK handler serves every request'));

  // The scope each scoped tool requires: the guard registers them as requireScopes(...def.scopes).
  const scopesOf = new Map(runtime.tools.filter((t) => t.scopes.length > 0).map((t) => [t.name, t.scopes]));
  /** Whether requireScopes would challenge this call (the SDK then answers 403 and the guard audits it). */
  const challenged = (params: unknown, auth: AuthInfo | undefined): boolean => {
    const name = (params as { name?: unknown } | undefined)?.name;
    const required = typeof name === 'string' ? scopesOf.get(name) : undefined;
    if (required === undefined || auth === undefined) return false;
    const held = new Set(auth.scopes);
    return !required.every((scope) => held.has(scope));
  };

  /** The parsed request if the SDK would serve it on its stateless leg, without an error of its own. */
  const laneRequest = (req: McpRequest): (JSONRPCMessage & { id: RequestId; method: string }) | undefined => {
    const body = req.body as { method?: unknown; params?: unknown } | undefined;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof body.method !== 'string' || !LANE_METHODS.has(body.method)) return undefined;
    const accept = header(req.headers.accept);
    if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    if (!isJsonContentType(header(req.headers['content-type']))) return undefined;
    const version = header(req.headers['mcp-protocol-version']);
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      ...(version !== undefined && { protocolVersionHeader: version }),
      ...(req.headers['mcp-method'] !== undefined && { mcpMethodHeader: header(req.headers['mcp-method']) }),
      ...(req.headers['mcp-name'] !== undefined && { mcpNameHeader: header(req.headers['mcp-name']) }),
      body,
    });
    if (route.kind !== 'legacy' || route.reason !== 'no-claim') return undefined;
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(body);
    } catch {
      return undefined; // the SDK answers its own 400
    }
    if (!('method' in message) || !('id' in message)) return undefined;
    if (message.method === 'tools/call' && challenged(message.params, req.auth)) return undefined;
    return message as JSONRPCMessage & { id: RequestId; method: string };
  };

  return {
    serve(req, res) {
      if (transport.closed || transport.onmessage === undefined) return false;
      const request = laneRequest(req);
      if (request === undefined) return false;
      transport.dispatch(request, req.auth, res);
      return true;
    },
    close: () => server.close(),
  };
}
