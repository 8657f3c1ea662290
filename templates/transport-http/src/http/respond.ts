// JSON answers. Guards against leaking internals in an error page: every refusal the HTTP layer writes
// is a small JSON-RPC error object (never HTML, never a stack trace), and every answer — refusals and
// the public GET routes alike — carries Cache-Control: no-store.
import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes used for HTTP-level refusals (the SDK uses the same shapes). */
export const RPC = { parseError: -32700, invalidRequest: -32600, serverError: -32000, internalError: -32603 } as const;

/** A JSON document (a public GET route's answer, e.g. the OAuth protected-resource metadata). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(value);
  res.statusCode = status;
  for (const [name, headerValue] of Object.entries(headers)) res.setHeader(name, headerValue);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body); // HEAD: Node sends the headers only
}

export function sendError(res: ServerResponse, status: number, message: string, options: { code?: number; headers?: Record<string, string> } = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: options.code ?? RPC.serverError, message }, id: null }, options.headers);
}
