// Host and Origin allowlists (DNS rebinding and cross-site requests). Guards against a web page on
// another origin driving the server through the user's browser: the Host header must be one of
// ALLOWED_HOSTS exactly (port included), and a present Origin must be one of ALLOWED_ORIGINS exactly
// (scheme, host and port) — on every request and every bind address, unlike the SDK's own check,
// which compares host names only and switches itself off on 0.0.0.0. Requests without Origin
// (non-browser clients) pass, and so does the server's own origin (same-origin is not cross-site:
// its scheme and an allowed Host, port included — a page on another local port is still refused).
import type { Middleware } from './chain.js';
import type { HttpConfig } from '../config/http.js';
import type { Logger } from '../logger.js';
import { RPC, sendError } from './respond.js';

/**
 * The request target. An absolute-form target (`POST http://host/mcp HTTP/1.1`, as sent through a
 * forward proxy) is served by its path, and its authority — not the Host header — is the host (RFC 9112
 * §3.2.2), so it faces the same Host allowlist next; credentials in it, and any other form (`*`,
 * `host:port`), get 400 JSON. Guards against such a request reaching the SDK, which builds the request
 * URL from Host + path and failed with a 500.
 */
export function requestTarget(): Middleware {
  return (req, res, next) => {
    const raw = req.url ?? '';
    if (raw.startsWith('/')) return next();
    let target: URL | undefined;
    try {
      target = /^https?:\/\/[^/?#]/i.test(raw) ? new URL(raw) : undefined;
    } catch {
      target = undefined;
    }
    if (target === undefined || target.username !== '' || target.password !== '') {
      return sendError(res, 400, 'Bad Request: the request target must be a path such as /mcp, or an absolute http(s) URL', { code: RPC.invalidRequest });
    }
    req.headers.host = target.host;
    req.url = `${target.pathname}${target.search}`;
    next();
  };
}

export function hostOriginGuard(http: Pick<HttpConfig, 'allowedHosts' | 'allowedOrigins' | 'publicUrl' | 'tls'>, logger: Logger): Middleware {
  const hosts = new Set(http.allowedHosts.map((h) => h.toLowerCase()));
  const scheme = http.tls === undefined ? 'http' : 'https';
  const origins = new Set([
    ...http.allowedOrigins,
    // Only entries with an explicit port: a bare name would stand for the scheme's default port.
    ...[...hosts].filter((host) => /:\d+$/.test(host) && !/^\[[^\]]*\]$/.test(host)).map((host) => `${scheme}://${host}`),
    new URL(http.publicUrl).origin,
  ]);
  return (req, res, next) => {
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !hosts.has(host)) {
      logger.warn({ host: host?.slice(0, 100) ?? null }, 'refused: Host not allowed');
      return sendError(res, 403, 'Forbidden: Host header not allowed');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      logger.warn({ origin: origin.slice(0, 100) }, 'refused: Origin not allowed');
      return sendError(res, 403, 'Forbidden: Origin not allowed');
    }
    next();
  };
}
