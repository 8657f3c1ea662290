// The middleware shape of the HTTP layer and its runner. Guards against a control being skipped or
// run out of order: every request goes through ONE chain (listed once, in createHttpApp), with the
// connect-style rules — a step either answers (and the chain stops) or calls next(); next(error), a
// throw or a rejected promise goes to the one error handler; a chain that ends without an answer is an
// error too (500), never a hanging request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { RpcSummary } from './body.js';

/** A request as the middlewares see it: Node's, plus what the steps before have set. */
export interface McpRequest extends IncomingMessage {
  /** Set by parseJsonRpc: the parsed JSON-RPC message (handed to the SDK). */
  body?: unknown;
  /** Set by parseJsonRpc: what the limits and the audit need from it. */
  rpc?: RpcSummary;
  /** Set by authenticate: the verified AuthInfo (the SDK reads req.auth). */
  auth?: AuthInfo;
}

/** A response with per-request values set by the steps (the client bucket, the principal). */
export interface McpResponse extends ServerResponse {
  locals: Record<string, unknown>;
}

export type Next = (error?: unknown) => void;

/** What every control of the HTTP layer is (connect-style: helmet runs unchanged). */
export type Middleware = (req: McpRequest, res: McpResponse, next: Next) => void | Promise<void>;

export type ErrorAnswer = (error: unknown, req: McpRequest, res: McpResponse) => void;

/** A public route's answer (GET and HEAD); it runs after every control of the chain but authentication. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Runs `steps` in order for one request. */
export function runChain(steps: readonly Middleware[], req: IncomingMessage, res: ServerResponse, onError: ErrorAnswer): void {
  const request = req as McpRequest;
  const response = res as McpResponse;
  response.locals = {};
  let index = 0;
  const next: Next = (error) => {
    if (error) return onError(error, request, response);
    const step = steps[index++];
    if (step === undefined) return onError(new Error('the request chain ended without an answer'), request, response);
    try {
      const pending = step(request, response, next);
      if (pending instanceof Promise) pending.catch((rejection: unknown) => next(rejection ?? new Error('rejected')));
    } catch (thrown) {
      next(thrown ?? new Error('thrown'));
    }
  };
  next();
}
