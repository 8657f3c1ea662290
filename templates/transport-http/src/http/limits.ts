// Request limits of the HTTP layer. Guards against floods and runaway clients: a per-IP budget on
// every request before authentication (client address per TRUST_PROXY, IPv6 per /64), then for each
// tools/call a per-principal and per-(principal, tool) budget (the same limiters the guard uses on
// stdio, consumed here once — the guard does not count again on HTTP) and a cap on the calls one
// principal has running at once (its slot reserved before the budget is awaited, so a slow store
// cannot let parallel calls past it). Refusals: 429 JSON with Retry-After (seconds), one audit line each.
import type { TrustedRange } from '../config/http.js';
import type { Runtime } from '../runtime.js';
import type { Principal } from '../security/authz.js';
import type { IpLimiter, RateDecision } from '../security/rate-limit.js';
import type { McpRequest, McpResponse, Middleware } from './chain.js';
import { clientAddress, ipBucket } from './client-ip.js';
import { auditRefusal } from './refusal-audit.js';
import { sendError } from './respond.js';

function tooMany(res: McpResponse, retryAfterSeconds: number, message: string): void {
  sendError(res, 429, `${message}; retry in ${retryAfterSeconds} seconds`, { headers: { 'Retry-After': String(retryAfterSeconds) } });
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
    if (audited(req) && !auditRefusal(runtime, req, 'rate_limited', `ip limit (${bucket})`)) return sendError(res, 500, 'Internal error');
    tooMany(res, decision.retryAfterSeconds, 'Rate limit exceeded for this address');
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
      if (!auditRefusal(runtime, req, 'rate_limited', `concurrent calls limit (${maxConcurrent})`, principal)) return sendError(res, 500, 'Internal error');
      return tooMany(res, 1, `Too many concurrent calls (limit ${maxConcurrent})`);
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
    const def = registry.get(toolName);
    let decision: RateDecision;
    try {
      decision = await runtime.rateLimits.consume(principal.id, def && { name: def.name, points: def.rateLimitPoints });
    } catch (error) {
      release();
      throw error;
    }
    if (!decision.allowed) {
      release();
      if (!auditRefusal(runtime, req, 'rate_limited', `${decision.limit} limit`, principal)) return sendError(res, 500, 'Internal error');
      return tooMany(res, decision.retryAfterSeconds, decision.limit === 'tool' ? `Rate limit exceeded for tool "${toolName}"` : 'Rate limit exceeded for this caller');
    }
    next();
  };
}
