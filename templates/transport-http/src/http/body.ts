// Request body limits and parsing. Guards against memory exhaustion (a declared Content-Length over
// HTTP_MAX_BODY_BYTES is refused before any byte is read; a chunked body is cut off at the limit:
// 413 JSON either way), against non-JSON bodies reaching the SDK (415) and against JSON-RPC batches,
// which would let one request carry many tool calls past the per-call limits (400).
import express, { type RequestHandler } from 'express';
import { RPC, sendError } from './respond.js';

/** What the limits and the audit need from the parsed body. */
export interface RpcSummary {
  method: string | undefined;
  isRequest: boolean;
  /** For tools/call: the tool name and its arguments. */
  toolName: string | undefined;
  args: unknown;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by parseJsonRpc: the parsed JSON-RPC message. */
    rpc?: RpcSummary;
  }
}

/** 413 on a declared length over the limit, before the body is read (runs before the per-IP limit). */
export function declaredLengthLimit(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && (!/^\d{1,15}$/.test(declared) || Number(declared) > maxBytes)) {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, `Request body too large (limit ${maxBytes} bytes)`);
    }
    next();
  };
}

/** Reads the body as bytes (cut off at maxBytes → 413 via the error handler) and parses JSON-RPC. */
export function parseJsonRpc(maxBytes: number): RequestHandler[] {
  return [
    (req, res, next) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') return sendError(res, 415, 'Unsupported Media Type: send Content-Type: application/json');
      next();
    },
    express.raw({ type: () => true, limit: maxBytes }),
    (req, res, next) => {
      const raw: unknown = req.body;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '');
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
    },
  ];
}
