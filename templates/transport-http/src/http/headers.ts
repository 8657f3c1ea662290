// Security headers and CORS. Guards against responses being cached by intermediaries or the browser
// (Cache-Control: no-store), sniffed, framed or rendered as a page (helmet with a `default-src 'none'`
// CSP), against an answer overriding the client's `Connection: close` (sockets held open), and against
// cross-origin reads: no CORS headers at all unless ALLOWED_ORIGINS lists the origin exactly, and never
// Access-Control-Allow-Credentials.
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
      // The SDK passes its own headers to writeHead (SSE: "no-cache"), which would win over setHeader.
      // Its SSE answers also carry "Connection: keep-alive", which makes Node keep the socket open even
      // when the client sent "Connection: close" (an idle socket held until the keep-alive timeout, one
      // of HTTP_MAX_CONNECTIONS): that header is dropped, and Node decides from the request as it should.
      const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => typeof res;
      res.writeHead = ((status: number, ...rest: unknown[]) => {
        const headers = rest.find((arg) => arg !== null && typeof arg === 'object' && !Array.isArray(arg)) as Record<string, unknown> | undefined;
        if (headers) {
          for (const name of Object.keys(headers)) {
            const lower = name.toLowerCase();
            if (lower === 'cache-control') headers[name] = 'no-store';
            else if (lower === 'connection' && !/\bclose\b/i.test(String(headers[name]))) delete headers[name];
          }
        }
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;
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
