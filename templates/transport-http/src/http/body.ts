// Request body limits and parsing. Guards against memory exhaustion (a declared Content-Length over
// HTTP_MAX_BODY_BYTES is refused before any byte is read; a chunked body is cut off at the limit; a
// compressed body is inflated with node:zlib and the limit counts the inflated bytes, so a small
// "zip bomb" is cut off too: 413 JSON either way), against bodies the server cannot read (a
// Content-Encoding other than gzip, deflate, br or identity: 415; a corrupt compressed body: 400),
// against non-JSON bodies reaching the SDK (415), against JSON nested deeper than MAX_JSON_DEPTH (400
// before anything parses it: deep nesting overflows the SDK's stack) and against JSON-RPC batches,
// which would let one request carry many tool calls past the per-call limits (400).
import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { parseToolCall, toolNameOf } from '../security/envelope.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../security/json-depth.js';
import type { McpRequest, McpResponse, Middleware, Next } from './chain.js';
import { RPC, sendError } from './respond.js';

/** What the limits and the audit need from the parsed body. */
export interface RpcSummary {
  method: string | undefined;
  isRequest: boolean;
  /** For tools/call: the tool name and its arguments. */
  toolName: string | undefined;
  args: unknown;
}

/** 413 on a declared length over the limit, before the body is read (runs before the per-IP limit). */
export function declaredLengthLimit(maxBytes: number): Middleware {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && (!/^\d{1,15}$/.test(declared) || Number(declared) > maxBytes)) {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, `Request body too large (limit ${maxBytes} bytes)`);
    }
    next();
  };
}

/** A body-reading failure, answered by the app's error handler (413, 400, or a destroyed response). */
type BodyError = Error & { status: number; type: string };

function bodyError(status: number, type: string, message: string): BodyError {
  return Object.assign(new Error(message), { status, type });
}

/** The request is already over, or carries no body at all: nothing to read. */
function noBodyToRead(req: IncomingMessage): boolean {
  const socket = req.socket as IncomingMessage['socket'] | null;
  const finished = (req as { upgrade?: boolean }).upgrade === true || !socket || !socket.readable || (req.complete && !req.readable);
  const hasBody = req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
  return finished || !hasBody;
}

/** The Content-Encodings a body may have (node:zlib); identity means none. */
const DECOMPRESSORS: Readonly<Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress>> = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * Reads the body into one Buffer. Past `maxBytes` — of the bytes on the wire, and of the inflated
 * bytes when `inflate` is given — nothing more is kept (the decompressor is destroyed) but the rest is
 * still read off, so the 413 reaches a client that is still sending; then the 413. An uncompressed body
 * shorter than its Content-Length is a 400, a corrupt compressed one too; an aborted request is an error
 * the app's handler answers by destroying the response.
 */
function readBody(req: IncomingMessage, maxBytes: number, inflate: (() => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress) | undefined, done: (error: BodyError | undefined, body: Buffer | undefined) => void): void {
  if (noBodyToRead(req)) return done(undefined, undefined);
  const declared = inflate !== undefined || req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  const inflater = inflate?.();
  let chunks: Buffer[] = [];
  let received = 0; // bytes on the wire
  let kept = 0; // bytes of the body (inflated when compressed)
  let failure: BodyError | undefined;
  let wireEnded = false;
  let inflated = inflater === undefined;
  let settled = false;
  const fail = (error: BodyError) => {
    failure ??= error;
    chunks = [];
    if (inflater !== undefined && !inflater.destroyed) inflater.destroy();
    settle(); // answers now if the wire has ended; else at its end (the rest is read off, not kept)
  };
  const keep = (chunk: Buffer) => {
    if (failure) return;
    kept += chunk.length;
    if (kept > maxBytes) fail(bodyError(413, 'entity.too.large', 'request entity too large'));
    else chunks.push(chunk);
  };
  const settle = () => {
    if (settled || !wireEnded || !(inflated || failure)) return;
    settled = true;
    cleanup();
    if (failure) return done(failure, undefined);
    if (declared !== undefined && received !== declared) return done(bodyError(400, 'request.size.invalid', 'request size did not match content length'), undefined);
    done(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept));
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (failure) return;
    if (inflater === undefined) return keep(chunk);
    if (received > maxBytes) return fail(bodyError(413, 'entity.too.large', 'request entity too large'));
    inflater.write(chunk);
  };
  const onEnd = () => {
    wireEnded = true;
    if (inflater !== undefined && !failure) inflater.end();
    settle();
  };
  // 'close' before 'end': the request was destroyed (client gone, aborted) and no 'end' will follow.
  // (No 'error' listener: an IncomingMessage emits 'error' only to listeners; it always emits 'close'.)
  // 'close' after 'end' is the normal end of a request whose body is still being inflated.
  const onAborted = () => {
    if (settled || wireEnded) return;
    settled = true;
    cleanup();
    if (inflater !== undefined && !inflater.destroyed) inflater.destroy();
    done(bodyError(400, 'request.aborted', 'request aborted'), undefined);
  };
  const onInflated = () => {
    inflated = true;
    settle();
  };
  const onCorrupt = () => fail(bodyError(400, 'encoding.invalid', 'the compressed body could not be inflated'));
  const cleanup = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onAborted);
    if (inflater !== undefined) {
      inflater.off('data', keep);
      inflater.off('end', onInflated);
      // an error after we are done (destroyed mid-write) must not become an unhandled 'error' event
      inflater.off('error', onCorrupt).on('error', () => {});
    }
  };
  if (inflater !== undefined) {
    inflater.on('data', keep);
    inflater.on('end', onInflated);
    inflater.on('error', onCorrupt);
  }
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onAborted);
}

/** Records a refused tools/call (its req.rpc names the tool); false when the record could not be written. */
export type RefusedCallAudit = (req: McpRequest, reason: string) => boolean;

/** Parses the bytes as one JSON-RPC message (400 otherwise) and summarises it for limits and audit. */
function parseBody(raw: unknown, req: McpRequest, res: McpResponse, next: Next, auditRefused: RefusedCallAudit): void {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  // Before the SDK parses it: its handling overflows the stack on a few KB of deep nesting (a 500).
  if (jsonDepthExceeds(text)) {
    const reason = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
    // A tools/call refused for its depth is still a call attempt: it is audited (before authentication,
    // so as a counted refusal of this address, without its arguments).
    const call = parseToolCall(text);
    if (call !== undefined) {
      const name = (call['params'] as { name?: unknown } | undefined)?.name;
      req.rpc = { method: 'tools/call', isRequest: call['id'] !== undefined, toolName: toolNameOf(name), args: undefined };
      if (!auditRefused(req, reason)) return sendError(res, 500, 'Internal error');
    }
    return sendError(res, 400, `Invalid Request: ${reason}`, { code: RPC.invalidRequest });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return sendError(res, 400, 'Parse error: the body is not valid JSON', { code: RPC.parseError });
  }
  if (Array.isArray(body)) return sendError(res, 400, 'Invalid Request: JSON-RPC batches are not supported', { code: RPC.invalidRequest });
  if (body === null || typeof body !== 'object') return sendError(res, 400, 'Invalid Request: expected a JSON-RPC object', { code: RPC.invalidRequest });
  const message = body as { method?: unknown; id?: unknown; params?: { name?: unknown; arguments?: unknown } };
  const method = typeof message.method === 'string' ? message.method.slice(0, 128) : undefined;
  const isToolCall = method === 'tools/call';
  req.body = body;
  req.rpc = {
    method,
    isRequest: method !== undefined && message.id !== undefined,
    toolName: isToolCall ? toolNameOf(message.params?.name) : undefined,
    args: isToolCall ? message.params?.arguments ?? {} : undefined,
  };
  next();
}

/**
 * Content type (415), Content-Encoding (gzip, deflate, br or identity; anything else 415), then the
 * body read as bytes (inflated when compressed; cut off at maxBytes → 413 via the error handler), then
 * JSON-RPC parsing (400).
 */
export function parseJsonRpc(maxBytes: number, auditRefused: RefusedCallAudit): Middleware {
  return (req, res, next) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return sendError(res, 415, 'Unsupported Media Type: send Content-Type: application/json');
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    let inflate: (() => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress) | undefined;
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      inflate = Object.hasOwn(DECOMPRESSORS, encoding) ? DECOMPRESSORS[encoding] : undefined;
      if (inflate === undefined) return sendError(res, 415, 'Unsupported Media Type: Content-Encoding must be gzip, deflate, br or identity');
    }
    readBody(req, maxBytes, inflate, (error, raw) => (error ? next(error) : parseBody(raw, req, res, next, auditRefused)));
  };
}
