// Security headers and CORS. Guards against responses being cached by intermediaries or the browser
// (Cache-Control: no-store), sniffed, framed or rendered as a page (helmet with a `default-src 'none'`
// CSP; the MCP answers keep them: src/http/mcp-endpoint.ts, src/http/mcp-direct.ts), and against cross-origin reads: no CORS
// headers at all unless ALLOWED_ORIGINS lists the origin exactly, and never Access-Control-Allow-Credentials.
import type { Middleware } from './chain.js';
import helmet from 'helmet';
import type { HttpConfig } from '../config/http.js';

export function securityHeaders(options: { hsts: boolean }): Middleware[] {
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      // HSTS only for a real deployment: on a loopback dev server it would pin https for localhost.
      strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      next();
    },
  ];
}

const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID';

/** CORS for the exact origins in ALLOWED_ORIGINS (the Origin was already checked by hostOriginGuard). */
export function cors(http: Pick<HttpConfig, 'allowedOrigins'>): Middleware {
  const origins = new Set(http.allowedOrigins);
  return (req, res, next) => {
    const origin = req.headers.origin?.toLowerCase();
    if (origin === undefined || !origins.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After, Mcp-Protocol-Version');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}
