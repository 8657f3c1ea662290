// The middleware shape of the HTTP layer and the runner of the POST /mcp hot path. Guards against the
// hot path skipping or reordering a control: it runs the SAME middleware instances that Express runs
// for /mcp, in the order createHttpApp lists them once, with Express's rules — a step either answers
// (and the chain stops) or calls next(); next(error), a throw or a rejected promise goes to the one
// error handler. It exists because Express's per-request machinery (prototype swaps on req/res, the
// router) cost about a fifth of the server's throughput on the endpoint that carries all the traffic.
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

/** A response with per-request values (Express's res.locals; set by runChain on the hot path). */
export interface McpResponse extends ServerResponse {
  locals: Record<string, unknown>;
}

export type Next = (error?: unknown) => void;

/** What every control of the HTTP layer is; Express runs these unchanged. */
export type Middleware = (req: McpRequest, res: McpResponse, next: Next) => void | Promise<void>;

export type ErrorAnswer = (error: unknown, req: McpRequest, res: McpResponse) => void;

/** Runs `steps` in order for one request, as Express would. */
export function runChain(steps: readonly Middleware[], req: IncomingMessage, res: ServerResponse, onError: ErrorAnswer): void {
  const request = req as McpRequest;
  const response = Object.assign(res, { locals: Object.create(null) as Record<string, unknown> });
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
