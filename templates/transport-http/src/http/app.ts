// The HTTP application: a pure function of its dependencies (no listen), so tests drive it directly.
// Guards by ORDER (DESIGN §4): security headers → Host/Origin → CORS (only if configured) → 405 for
// anything but POST /mcp → declared body size (413) → per-IP limit → authenticator routes →
// body read (413) + JSON-RPC parse (415/400) → authentication (401) → per-principal, per-(principal,
// tool) and concurrency limits (429) → the SDK handler (scopes → 403 insufficient_scope) → JSON 404 →
// JSON error handler. Nothing answers HTML or a stack trace.
import { randomUUID } from 'node:crypto';
import { createMcpHandler, type McpHttpHandler, type ServerContext } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { HttpConfig } from '../config/http.js';
import type { Runtime } from '../runtime.js';
import type { Authenticator } from '../security/authenticator.js';
import { principalFromAuthInfo } from '../security/authz.js';
import type { IpLimiter } from '../security/rate-limit.js';
import { buildServer } from '../server.js';
import { authenticate } from './authenticate.js';
import { declaredLengthLimit, parseJsonRpc } from './body.js';
import { cors, securityHeaders } from './headers.js';
import { hostOriginGuard } from './host-origin.js';
import { callLimits, ipLimit } from './limits.js';
import { sendError } from './respond.js';

export const MCP_PATH = '/mcp';

export interface HttpAppDeps {
  runtime: Runtime;
  http: HttpConfig;
  authenticator: Authenticator;
  ipLimiter: IpLimiter;
}

export interface HttpApp {
  app: Express;
  mcp: McpHttpHandler;
  /** Requests still being answered (shutdown waits for them). */
  readonly activeRequests: number;
  /** From now on new requests get 503 (graceful shutdown). */
  stopAccepting(): void;
}

export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const { runtime, http, authenticator, ipLimiter } = deps;
  const { logger } = runtime;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false); // client addresses come from client-ip.ts (TRUST_PROXY), nowhere else

  let accepting = true;
  let active = 0;
  app.use((_req, res, next) => {
    if (!accepting) {
      res.setHeader('Connection', 'close');
      return sendError(res, 503, 'Server is shutting down', { headers: { 'Retry-After': '5' } });
    }
    active += 1;
    res.once('close', () => (active -= 1));
    next();
  });
  app.use(securityHeaders({ hsts: http.tls !== undefined || http.trustProxy.length > 0 }));
  app.use(hostOriginGuard(http, logger));
  if (http.allowedOrigins.length > 0) app.use(cors(http));

  // Stateless: only POST is served (no GET stream, no DELETE session); anything else on /mcp is 405.
  app.all(MCP_PATH, (req, res, next) => {
    if (req.method === 'POST') return next();
    sendError(res, 405, 'Method Not Allowed', { headers: { Allow: 'POST' } });
  });
  app.use(declaredLengthLimit(http.maxBodyBytes));
  app.use(ipLimit(ipLimiter, http.trustProxy, runtime, (path) => path === MCP_PATH));
  authenticator.routes?.(app);

  const mcp = createMcpHandler(() => buildServer(runtime), {
    legacy: 'stateless', // 2025-era clients served too, one fresh server per request, no session ids
    maxRequestBodySize: http.maxBodyBytes,
    onerror: (err) => logger.warn({ err: { message: err.message } }, 'MCP request refused or failed'),
  });
  const serve = toNodeHandler(mcp, { maxRequestBodySize: http.maxBodyBytes, onerror: (err) => logger.error({ err }, 'MCP handler failed') });
  app.post(
    MCP_PATH,
    ...parseJsonRpc(http.maxBodyBytes),
    authenticate(authenticator, runtime),
    callLimits(runtime, http.maxConcurrentCalls),
    async (req, res) => {
      await serve(req, res, req.body);
    },
  );

  app.use((_req, res) => sendError(res, 404, 'Not Found'));
  const onError: ErrorRequestHandler = (err: { type?: unknown; status?: unknown }, _req, res, _next) => {
    if (err.type === 'entity.too.large') {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, `Request body too large (limit ${http.maxBodyBytes} bytes)`);
    }
    if (err.type === 'request.aborted') return res.destroy();
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      logger.info({ status: err.status, type: err.type }, 'HTTP request refused');
      return sendError(res, err.status, 'Bad Request');
    }
    const ref = randomUUID();
    logger.error({ err, ref }, 'HTTP request failed');
    sendError(res, 500, `Internal error (ref ${ref})`);
  };
  app.use(onError);

  return {
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
} as const;
