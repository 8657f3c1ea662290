// JSON error answers. Guards against leaking internals in an error page: every refusal the HTTP
// layer writes is a small JSON-RPC error object (never HTML, never a stack trace), with
// Cache-Control: no-store like every other response.
import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes used for HTTP-level refusals (the SDK uses the same shapes). */
export const RPC = { parseError: -32700, invalidRequest: -32600, serverError: -32000, internalError: -32603 } as const;

export function sendError(res: ServerResponse, status: number, message: string, options: { code?: number; headers?: Record<string, string> } = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: options.code ?? RPC.serverError, message }, id: null });
  res.statusCode = status;
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
