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
import { sendError } from './respond.js';

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
