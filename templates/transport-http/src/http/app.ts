// The HTTP application: a pure function of its dependencies (no listen), so tests drive it directly.
// Guards by ORDER (each control sits where it can enforce: see SECURITY.md): security headers → request
// target (absolute-form → its path and host) → Host/Origin → CORS (only if configured) → 405 for
// anything but POST /mcp → declared body size (413) → per-IP limit → authenticator routes →
// body read (413) + JSON-RPC parse (415/400) → authentication (401) → per-principal, per-(principal,
// tool) and concurrency limits (429) → the SDK handler (scopes → 403 insufficient_scope) → JSON 404 →
// JSON error handler. Nothing answers HTML or a stack trace. The request line `POST /mcp` (all MCP
// traffic) runs the same middleware instances in the same order without Express (see chain.ts); the
// 405 cannot apply to it and the authenticator's routes are GET only.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, type McpHttpHandler, type ServerContext } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import express, { type ErrorRequestHandler, type Express, type Request } from 'express';
import type { HttpConfig } from '../config/http.js';
import type { Runtime } from '../runtime.js';
import type { Authenticator } from '../security/authenticator.js';
import { principalFromAuthInfo } from '../security/authz.js';
import type { IpLimiter } from '../security/rate-limit.js';
import { buildServer } from '../server.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import { authenticate } from './authenticate.js';
import { declaredLengthLimit, parseJsonRpc } from './body.js';
import { runChain, type ErrorAnswer, type McpRequest, type Middleware } from './chain.js';
import { cors, securityHeaders } from './headers.js';
import { hostOriginGuard, requestTarget } from './host-origin.js';
import { callLimits, ipLimit } from './limits.js';
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
  /** The request listener: `POST /mcp` through the hot path, every other request through `app`. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  app: Express;
  mcp: McpHttpHandler;
  /** Requests still being answered (shutdown waits for them). */
  readonly activeRequests: number;
  /** From now on new requests get 503 (graceful shutdown). */
  stopAccepting(): void;
}

/** The IP limit audits refusals on the MCP endpoint only (Express's req.path, or the hot path's exact URL). */
const isMcpEndpoint = (req: McpRequest): boolean => req.url === MCP_PATH || (req as Partial<Pick<Request, 'path'>>).path === MCP_PATH;

export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const { runtime, http, authenticator, ipLimiter } = deps;
  const { logger } = runtime;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false); // client addresses come from client-ip.ts (TRUST_PROXY), nowhere else

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
  // Stateless: only POST is served (no GET stream, no DELETE session); anything else on /mcp is 405.
  const postOnly: Middleware = (req, res, next) => {
    if (req.method === 'POST') return next();
    sendError(res, 405, 'Method Not Allowed', { headers: { Allow: 'POST' } });
  };

  const mcp = createMcpHandler(() => buildServer(runtime), {
    legacy: 'stateless', // 2025-era clients served too, one fresh server per request, no session ids
    maxRequestBodySize: http.maxBodyBytes,
    onerror: (err) => logger.warn({ err: { message: err.message } }, 'MCP request refused or failed'),
  });
  const serve = toNodeHandler(mcp, { maxRequestBodySize: http.maxBodyBytes, onerror: (err) => logger.error({ err }, 'MCP handler failed') });

  // Each control once; Express and the hot path below run these same instances.
  const everyRequest: Middleware[] = [
    admit,
    ...securityHeaders({ hsts: http.tls !== undefined || http.trustProxy.length > 0 }),
    requestTarget(),
    hostOriginGuard(http, logger),
    ...(http.allowedOrigins.length > 0 ? [cors(http)] : []),
  ];
  const beforeRoutes: Middleware[] = [declaredLengthLimit(http.maxBodyBytes), ipLimit(ipLimiter, http.trustProxy, runtime, isMcpEndpoint)];
  const mcpPost: Middleware[] = [
    parseJsonRpc(http.maxBodyBytes, (req, reason) => auditRefusal(runtime, req, 'invalid_args', reason)),
    authenticate(authenticator, runtime, deps.authFailures),
    callLimits(runtime, http.maxConcurrentCalls),
    auditMalformedToolCall(runtime), // a tools/call the SDK would refuse unrecorded: audited, 400
    async (req, res) => {
      await serve(req, res, req.body);
    },
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

  app.use(...everyRequest);
  app.all(MCP_PATH, postOnly);
  app.use(...beforeRoutes);
  authenticator.routes?.(app);
  app.post(MCP_PATH, ...mcpPost);
  app.use((_req, res) => sendError(res, 404, 'Not Found'));
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => answerError(err, req, res);
  app.use(onError);

  // The hot path: exactly the request line `POST /mcp`; any other method, path or query goes to Express.
  const hotPath: readonly Middleware[] = [...everyRequest, ...beforeRoutes, ...mcpPost];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'POST' && req.url === MCP_PATH) runChain(hotPath, req, res, answerError);
    else app(req, res);
  };

  return {
    handler,
    app,
    mcp,
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
