/**
 * Exact versions the generated project pins (no ^: a fresh project installs what its tests were run
 * against). The `version` template helper throws on a name missing here. Re-check the SDK notes when
 * bumping the @modelcontextprotocol packages.
 */
export const PROJECT_VERSIONS = {
  // SDK v2 (2026-07-28 spec, serveStdio, scopeChallenge); never the v1 `@modelcontextprotocol/sdk`.
  '@modelcontextprotocol/server': '2.4.0',
  // Dev only: the real v2 client the tests talk through; same release as the server.
  '@modelcontextprotocol/client': '2.4.0',
  // SDK v2 needs zod ^4.2 (Standard JSON Schema for tools/list); imported as 'zod/v4'.
  zod: '4.6.7',
  // stderr logging (pino.destination(2)) with redact paths; 10.x runs on Node 20.
  pino: '10.4.0',
  // Memory limiter now, Redis later behind the same API; msBeforeNext gives the retry time.
  'rate-limiter-flexible': '11.4.0',
  // 6.x: 7.x (native) has no compiler API; TS >= 6 needs "types": ["node"] in tsconfig.
  typescript: '6.0.3',
  // Node 20 typings: the project's floor (engines >=20.12), so newer-Node APIs fail the typecheck.
  '@types/node': '20.19.43',
  // 4.x: vitest 5 needs Node 22.
  vitest: '4.1.12',
  // Dev script only (`npm run dev`, watch mode); never used at runtime.
  tsx: '4.23.15',
} as const;
