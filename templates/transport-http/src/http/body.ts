// Request body limits and parsing. Guards against memory exhaustion (a declared Content-Length over
// HTTP_MAX_BODY_BYTES is refused before any byte is read; a chunked body is cut off at the limit:
// 413 JSON either way), against non-JSON bodies reaching the SDK (415), against JSON nested deeper
// than MAX_JSON_DEPTH (400 before anything parses it: deep nesting overflows the SDK's stack) and
// against JSON-RPC batches, which would let one request carry many tool calls past the per-call limits (400).
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { parseToolCall } from '../security/envelope.js';
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

/** A body-reading failure, shaped like body-parser's errors so the app's error handler answers it. */
type BodyError = Error & { status: number; type: string };

function bodyError(status: number, type: string, message: string): BodyError {
  return Object.assign(new Error(message), { status, type });
}

/** body-parser's "nothing to read" cases: the request is already over, or carries no body at all. */
function noBodyToRead(req: IncomingMessage): boolean {
  const socket = req.socket as IncomingMessage['socket'] | null;
  const finished = (req as { upgrade?: boolean }).upgrade === true || !socket || !socket.readable || (req.complete && !req.readable);
  const hasBody = req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
  return finished || !hasBody;
}

/**
 * Reads an uncompressed body into one Buffer, as express.raw did: past `maxBytes` nothing more is
 * kept but the rest is still read off (so the 413 reaches a client that is still sending), then the
 * 413; a body shorter than its Content-Length is a 400; an aborted request is an error the app's
 * handler answers by destroying the response.
 */
function readBody(req: IncomingMessage, maxBytes: number, done: (error: BodyError | undefined, body: Buffer | undefined) => void): void {
  if (noBodyToRead(req)) return done(undefined, undefined);
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  let chunks: Buffer[] = [];
  let received = 0;
  let tooLarge = false;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (tooLarge) return;
    if (received > maxBytes) {
      tooLarge = true;
      chunks = [];
    } else chunks.push(chunk);
  };
  const onEnd = () => {
    cleanup();
    if (tooLarge) return done(bodyError(413, 'entity.too.large', 'request entity too large'), undefined);
    if (declared !== undefined && received !== declared) return done(bodyError(400, 'request.size.invalid', 'request size did not match content length'), undefined);
    done(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
  };
  // 'close' before 'end': the request was destroyed (client gone, aborted) and no 'end' will follow.
  // (No 'error' listener: an IncomingMessage emits 'error' only to listeners; it always emits 'close'.)
  const onAborted = () => {
    cleanup();
    done(bodyError(400, 'request.aborted', 'request aborted'), undefined);
  };
  const cleanup = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onAborted);
  };
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
      req.rpc = { method: 'tools/call', isRequest: call['id'] !== undefined, toolName: typeof name === 'string' ? name.slice(0, 128) : '[malformed]', args: undefined };
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
    toolName: isToolCall ? (typeof message.params?.name === 'string' ? message.params.name.slice(0, 128) : '[malformed]') : undefined,
    args: isToolCall ? message.params?.arguments ?? {} : undefined,
  };
  next();
}

/**
 * Content type (415), then the body read as bytes (cut off at maxBytes → 413 via the error handler),
 * then JSON-RPC parsing (400). A compressed body (Content-Encoding gzip, deflate, br, zstd where Node
 * has it; anything else is 415) still goes through express.raw, which inflates it and applies the
 * limit to the inflated bytes.
 */
export function parseJsonRpc(maxBytes: number, auditRefused: RefusedCallAudit): Middleware {
  const readEncoded = express.raw({ type: () => true, limit: maxBytes });
  return (req, res, next) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return sendError(res, 415, 'Unsupported Media Type: send Content-Type: application/json');
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') {
      return void readEncoded(req, res, (error?: unknown) => (error ? next(error) : parseBody(req.body, req, res, next, auditRefused)));
    }
    readBody(req, maxBytes, (error, raw) => (error ? next(error) : parseBody(raw, req, res, next, auditRefused)));
  };
}
