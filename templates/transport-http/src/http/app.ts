// The HTTP application: a pure function of its dependencies (no listen), so tests drive it directly.
// Every request — POST /mcp, the public GET routes, anything else — runs ONE chain of controls on
// node:http (src/http/chain.ts), in this order (each control sits where it can enforce: see
// SECURITY.md): admission (503 while shutting down) → security headers → request target
// (absolute-form → its path and host) → Host/Origin → CORS (only if configured) → 405 for anything but
// POST on /mcp → declared body size (413) → per-IP limit → public GET routes (PUBLIC ROUTES below) or a
// JSON 404 for any other path → body read (413, compressed bodies inflated) + JSON-RPC parse (415/400)
// → authentication (401) → per-principal, per-(principal, tool) and concurrency limits (429) → the
// shared server of src/http/mcp-direct.ts for the 2025-era tools/call, tools/list and ping the SDK would
// serve statelessly, else the SDK handler via src/http/mcp-endpoint.ts (scopes → 403 insufficient_scope). Errors go to one JSON error handler (never a stack:
// `Internal error (ref <id>)`). Nothing answers HTML.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, type McpHttpHandler, type ServerContext } from '@modelcontextprotocol/server';
import type { HttpConfig } from '../config/http.js';
import type { Runtime } from '../runtime.js';
import type { Authenticator } from '../security/authenticator.js';
import { principalFromAuthInfo } from '../security/authz.js';
import type { IpLimiter } from '../security/rate-limit.js';
import { buildServer } from '../server.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import { authenticate } from './authenticate.js';
import { declaredLengthLimit, parseJsonRpc } from './body.js';
import { runChain, type ErrorAnswer, type Middleware, type RouteHandler } from './chain.js';
import { cors, securityHeaders } from './headers.js';
import { hostOriginGuard, requestTarget } from './host-origin.js';
import { callLimits, ipLimit } from './limits.js';
import { createDirectLane } from './mcp-direct.js';
import { serveMcp } from './mcp-endpoint.js';
import { auditMalformedToolCall, auditRefusal } from './refusal-audit.js';
import { sendError } from './respond.js';

export const MCP_PATH = '/mcp';

export interface HttpAppDeps {
  runtime: Runtime;
  http: HttpConfig;
  authenticator: Authenticator;
  ipLimiter: IpLimiter;
  /** Failed authentications per client address (AUTH_FAILURE_POINTS); absent with auth `none`. */
  authFailures?: AuthFailureLimiter | undefined;
}

export interface HttpApp {
  /** The request listener (node:http): every request runs the one chain. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  mcp: McpHttpHandler;
  /** Closes the SDK handler and the direct lane's shared server (shutdown, after the calls have drained). */
  close(): Promise<void>;
  /** Requests still being answered (shutdown waits for them). */
  readonly activeRequests: number;
  /** From now on new requests get 503 (graceful shutdown). */
  stopAccepting(): void;
}

/**
 * PUBLIC ROUTES: GET (and HEAD) paths served besides POST /mcp, matched exactly (the query is ignored);
 * any other method on them, and any other path, gets the JSON 404. This is the one place to add a route.
 * A route runs after every control except authentication and the body read (security headers,
 * Host/Origin, CORS, the per-IP limit), so it is PUBLIC: answer with sendJson (src/http/respond.ts) and
 * reveal nothing a stranger should not see. The authenticator contributes its own (OAuth: the RFC 9728
 * protected-resource metadata). Example, NOT enabled — a liveness probe for an orchestrator; uncomment
 * it (and import sendJson) to serve `GET /healthz` → 200 {"status":"ok"}:
 *
 *   '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
 */
function publicRoutes(authenticator: Authenticator): Map<string, RouteHandler> {
  const routes = new Map(Object.entries({ ...authenticator.routes?.() }));
  for (const path of routes.keys()) {
    if (!path.startsWith('/') || path.includes('?') || path === MCP_PATH) throw new Error(`invalid public route path ${JSON.stringify(path)}`);
  }
  return routes;
}

/** The path of a request target (`/mcp?x=1` → `/mcp`); requestTarget() has made it origin-form. */
const pathOf = (url: string | undefined): string => {
  const raw = url ?? '';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
};

export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const { runtime, http, authenticator, ipLimiter } = deps;
  const { logger } = runtime;
  const routes = publicRoutes(authenticator);

  let accepting = true;
  let active = 0;
  const admit: Middleware = (_req, res, next) => {
    if (!accepting) {
      res.setHeader('Connection', 'close');
      return sendError(res, 503, 'Server is shutting down', { headers: { 'Retry-After': '5' } });
    }
    active += 1;
    res.once('close', () => (active -= 1));
    next();
  };
  // Stateless: only POST is served on /mcp (no GET stream, no DELETE session); anything else there is 405.
  const postOnly: Middleware = (req, res, next) => {
    if (req.method === 'POST' || pathOf(req.url) !== MCP_PATH) return next();
    sendError(res, 405, 'Method Not Allowed', { headers: { Allow: 'POST' } });
  };
  // POST /mcp goes on to the body and authentication; a public route answers here; anything else is 404.
  const dispatch: Middleware = (req, res, next) => {
    const path = pathOf(req.url);
    if (path === MCP_PATH) return next();
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes.get(path) : undefined;
    if (route === undefined) return sendError(res, 404, 'Not Found');
    return route(req, res);
  };

  const mcp = createMcpHandler(() => buildServer(runtime), {
    legacy: 'stateless', // 2025-era clients served too, one fresh server per request, no session ids
    maxRequestBodySize: http.maxBodyBytes,
    onerror: (err) => logger.warn({ err: { message: err.message } }, 'MCP request refused or failed'),
  });
  const lane = createDirectLane(runtime, logger);

  // The one chain, every control once, in order.
  const steps: readonly Middleware[] = [
    admit,
    ...securityHeaders({ hsts: http.tls !== undefined || http.trustProxy.length > 0 }),
    requestTarget(),
    hostOriginGuard(http, logger),
    ...(http.allowedOrigins.length > 0 ? [cors(http)] : []),
    postOnly,
    declaredLengthLimit(http.maxBodyBytes),
    ipLimit(ipLimiter, http.trustProxy, runtime, (req) => pathOf(req.url) === MCP_PATH),
    dispatch,
    parseJsonRpc(http.maxBodyBytes, (req, reason) => auditRefusal(runtime, req, 'invalid_args', reason)),
    authenticate(authenticator, runtime, deps.authFailures),
    callLimits(runtime, http.maxConcurrentCalls),
    auditMalformedToolCall(runtime), // a tools/call the SDK would refuse unrecorded: audited, 400
    // The parsed body and the verified AuthInfo, never the token: the lane if it takes the request, else the SDK.
    (req, res) => (lane.serve(req, res) ? undefined : serveMcp(mcp, req, res)),
  ];

  const answerError: ErrorAnswer = (err, _req, res) => {
    const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
    if (type === 'entity.too.large') {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, `Request body too large (limit ${http.maxBodyBytes} bytes)`);
    }
    if (type === 'request.aborted') return void res.destroy();
    if (typeof status === 'number' && status >= 400 && status < 500) {
      logger.info({ status, type }, 'HTTP request refused');
      return sendError(res, status, 'Bad Request');
    }
    const ref = randomUUID();
    logger.error({ err, ref }, 'HTTP request failed');
    sendError(res, 500, `Internal error (ref ${ref})`);
  };

  return {
    handler: (req, res) => runChain(steps, req, res, answerError),
    mcp,
    close: async () => {
      await Promise.all([mcp.close(), lane.close()]);
    },
    get activeRequests() {
      return active;
    },
    stopAccepting: () => void (accepting = false),
  };
}

/** openRuntime options for HTTP: the principal comes from the verified AuthInfo; limits counted here. */
export const httpRuntimeOptions = {
  resolvePrincipal: (ctx: ServerContext) => principalFromAuthInfo(ctx.http?.authInfo),
  rateLimitInGuard: false,
  transport: 'http',
} as const;
