/**
 * Exact versions the generated project pins (no ^: a fresh project installs what its tests were run
 * against). Building package.json (src/generate/shared-files.ts) throws on a name missing here. Re-check the SDK notes when
 * bumping the @modelcontextprotocol packages.
 */
export const PROJECT_VERSIONS = {
  // SDK v2 (2026-07-28 spec, serveStdio, scopeChallenge); never the v1 `@modelcontextprotocol/sdk`.
  '@modelcontextprotocol/server': '2.4.0',
  // Dev only: the real v2 client the tests talk through; same release as the server.
  '@modelcontextprotocol/client': '2.4.0',
  // HTTP transport: security headers (CSP default-src 'none', nosniff, frame and referrer policy) as a connect-style middleware on raw req/res; 8.x, Node >= 18.
  helmet: '8.3.0',
  // SDK v2 needs zod ^4.2 (Standard JSON Schema for tools/list); imported as 'zod/v4'.
  zod: '4.6.7',
  // stderr logging (pino.destination(2)) with redact paths; 10.x runs on Node 20.
  pino: '10.4.0',
  // Memory limiter now, Redis later behind the same API; msBeforeNext gives the retry time.
  'rate-limiter-flexible': '11.4.0',
  // Redis rate-limit store (--rate-limit-store redis): rate-limiter-flexible's default client; 6.x runs on Node 20.
  ioredis: '6.0.0',
  // fetch_url SSRF guard and HTTP TRUST_PROXY / per-IP /64 buckets: range() classes every address (private, loopback, mapped, NAT64…); no deps.
  'ipaddr.js': '2.5.0',
  // OAuth resource server (--auth oauth): jwtVerify + createRemoteJWKSet; 6.x is WebCrypto-only and runs on Node 20.
  jose: '6.2.18',
  // Storage: a typed query builder that only binds values; 0.29 needs Node 22.
  kysely: '0.28.19',
  // SQLite driver (--storage sqlite), a native addon; 13.x needs Node 22, 12.11 runs on Node 20 to 26.
  'better-sqlite3': '12.11.1',
  '@types/better-sqlite3': '9.6.0',
  // PostgreSQL driver (--storage postgres); 8.x runs on Node >= 16.
  pg: '8.23.1',
  '@types/pg': '8.23.1',
  // 6.x: 7.x (native) has no compiler API; TS >= 6 needs "types": ["node"] in tsconfig.
  typescript: '6.0.3',
  // Node 20 typings: the project's floor (engines >=20.12), so newer-Node APIs fail the typecheck.
  '@types/node': '20.19.43',
  // 4.x: vitest 5 needs Node 22.
  vitest: '4.1.12',
  // Dev only: property-based fuzzing of every tool's input and of the HTTP endpoint; 4.x runs on Node >= 12.17.
  'fast-check': '4.11.0',
  // Dev script only (`npm run dev`, watch mode); never used at runtime.
  tsx: '4.23.15',
} as const;
