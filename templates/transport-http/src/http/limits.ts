// Request limits of the HTTP layer. Guards against floods and runaway clients: a per-IP budget on
// every request before authentication (client address per TRUST_PROXY, IPv6 per /64), then for each
// tools/call a per-principal and per-(principal, tool) budget (the same limiters the guard uses on
// stdio, consumed here once — the guard does not count again on HTTP) and a cap on the calls one
// principal has running at once (its slot reserved before the budget is awaited, so a slow store
// cannot let parallel calls past it). Refusals: 429 JSON with Retry-After (seconds), one audit line each.
import type { TrustedRange } from '../config/http.js';
import type { Runtime } from '../runtime.js';
import type { Principal } from '../security/authz.js';
import { consumeCallBudget, rateLimitText, type IpLimiter, type RateDecision } from '../security/rate-limit.js';
import type { McpRequest, McpResponse, Middleware } from './chain.js';
import { clientAddress, ipBucket } from './client-ip.js';
import { refuseAudited } from './refusal-audit.js';
import { sendError } from './respond.js';

/** A rate-limit refusal: 429 with Retry-After (seconds), after its audit record (auditRefusal) when `audit` is given. */
function tooMany(
  runtime: Pick<Runtime, 'audit' | 'logger'>,
  req: McpRequest,
  res: McpResponse,
  audit: { reason: string; principal?: Principal } | undefined,
  retryAfterSeconds: number,
  message: string,
): void {
  const answer = { status: 429, message: `${message}; retry in ${retryAfterSeconds} seconds`, headers: { 'Retry-After': String(retryAfterSeconds) } };
  if (audit === undefined) return sendError(res, answer.status, answer.message, { headers: answer.headers });
  refuseAudited(runtime, req, res, { outcome: 'rate_limited', ...audit }, answer);
}

export function ipLimit(limiter: IpLimiter, trustProxy: readonly TrustedRange[], runtime: Pick<Runtime, 'audit' | 'logger'>, audited: (req: McpRequest) => boolean): Middleware {
  // Without trusted proxies the bucket depends only on the socket's peer: worked out once per connection.
  const perSocket = new WeakMap<object, string>();
  const bucketOf = (req: McpRequest): string => {
    if (trustProxy.length > 0) return ipBucket(clientAddress(req, trustProxy));
    let bucket = perSocket.get(req.socket);
    if (bucket === undefined) perSocket.set(req.socket, (bucket = ipBucket(clientAddress(req, trustProxy))));
    return bucket;
  };
  return async (req, res, next) => {
    const bucket = bucketOf(req);
    res.locals['clientBucket'] = bucket;
    const decision = await limiter.consume(bucket);
    if (decision.allowed) return next();
    // Only refusals on the MCP endpoint are audited (a flood of 404s is not a call attempt).
    tooMany(runtime, req, res, audited(req) ? { reason: `ip limit (${bucket})` } : undefined, decision.retryAfterSeconds, rateLimitText('ip', ''));
  };
}

export function callLimits(runtime: Pick<Runtime, 'audit' | 'logger' | 'rateLimits' | 'tools'>, maxConcurrent: number): Middleware {
  const running = new Map<string, number>();
  const registry = new Map(runtime.tools.map((tool) => [tool.name, tool]));
  return async (req, res, next) => {
    const principal = res.locals['principal'] as Principal;
    const toolName = req.rpc?.toolName;
    if (toolName === undefined) return next(); // only tools/call is budgeted (as on stdio)
    const active = running.get(principal.id) ?? 0;
    if (active >= maxConcurrent) {
      return tooMany(runtime, req, res, { reason: `concurrent calls limit (${maxConcurrent})`, principal }, 1, `Too many concurrent calls (limit ${maxConcurrent})`);
    }
    // Reserve the slot BEFORE awaiting the budget: with a remote store (Redis) the await takes real time,
    // and calls checked meanwhile would all see the old count. Released exactly once: on a refusal
    // below, or when the response closes.
    running.set(principal.id, active + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = (running.get(principal.id) ?? 1) - 1;
      if (left <= 0) running.delete(principal.id);
      else running.set(principal.id, left);
    };
    res.once('close', release);
    let decision: RateDecision;
    try {
      decision = await consumeCallBudget(runtime.rateLimits, principal.id, registry.get(toolName));
    } catch (error) {
      release();
      throw error;
    }
    if (!decision.allowed) {
      release();
      return tooMany(runtime, req, res, { reason: `${decision.limit} limit`, principal }, decision.retryAfterSeconds, rateLimitText(decision.limit, toolName));
    }
    next();
  };
}
