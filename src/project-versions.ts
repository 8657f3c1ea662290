/**
 * Exact versions the generated project pins (no ^: a fresh project installs what its tests were run
 * against), in two columns: the Node 20 column and the current-major column for Node >= 22.12. Guards
 * against a project whose dependencies refuse the Node line it was generated on, and against pinning old
 * majors for everyone because of one end-of-life line. Building package.json (src/generate/shared-files.ts)
 * throws on a name missing here. Re-check the SDK notes when bumping the @modelcontextprotocol packages.
 *
 * The column is chosen once, from the Node version the generator runs on (nodeFloorFor), and recorded in
 * the spec as `nodeFloor`; checked against `npm view <pkg>@<v> engines` as of 2026-12.
 */

/** The lowest Node line a generated project supports; also the column of PROJECT_VERSIONS it pins. */
export type NodeFloor = 20 | 22;

/**
 * Environment variable `update` sets when it runs another generator version to render a project as made:
 * the Node version whose column to pin (the project's floor), in place of the Node running the generator.
 */
export const RENDER_NODE_VERSION = 'CREATE_SECURE_MCP_RENDER_NODE_VERSION';

/** A package whose current major needs Node >= 22: one version per column, each with its reason. */
export interface TwoColumnPin {
  readonly node20: { readonly version: string; readonly why: string };
  readonly node22: { readonly version: string; readonly why: string };
}

export const PROJECT_VERSIONS = {
  // SDK v2 (2026-07-28 spec, serveStdio, scopeChallenge); never the v1 `@modelcontextprotocol/sdk`. engines >=20.
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
  // Redis rate-limit store (--rate-limit-store redis): rate-limiter-flexible's default client; 6.x, engines >=20.
  ioredis: '6.0.0',
  // fetch_url SSRF guard and HTTP TRUST_PROXY / per-IP /64 buckets: range() classes every address (private, loopback, mapped, NAT64…); no deps.
  'ipaddr.js': '2.5.0',
  // OAuth resource server (--auth oauth): jwtVerify + createRemoteJWKSet; 6.x is WebCrypto-only and runs on Node 20.
  jose: '6.2.18',
  // Storage: a typed query builder that only binds values.
  kysely: {
    node20: { version: '0.28.19', why: '0.29 declares engines node >=22.0.0; 0.28 is the last line that runs on Node 20' },
    node22: { version: '0.29.9', why: 'the current line (engines >=22.0.0)' },
  },
  // SQLite driver (--storage sqlite), a native addon.
  'better-sqlite3': {
    node20: { version: '12.11.1', why: '13.x declares engines node >=22; 12.11 runs on Node 20 to 26 but has no binary in its package: prebuild-install downloads one from GitHub or node-gyp compiles it' },
    node22: { version: '13.2.0', why: 'the current major (engines >=22): ships Node-API binaries for linux/darwin/win32 x64 and arm64 (glibc and musl) in the npm package, so the install runs no script and compiles nothing' },
  },
  '@types/better-sqlite3': '9.6.0',
  // PostgreSQL driver (--storage postgres); 8.x runs on Node >= 16.
  pg: '8.23.1',
  '@types/pg': '8.23.1',
  // 6.x: 7.x (native) has no compiler API; TS >= 6 needs "types": ["node"] in tsconfig.
  typescript: '6.0.3',
  // The typings of the project's floor line, so an API newer than the floor fails the typecheck.
  '@types/node': {
    node20: { version: '20.19.43', why: 'Node 20 typings: the floor of a project generated on Node 20 (engines >=20.12)' },
    node22: { version: '22.20.7', why: 'Node 22 typings: the floor of a project generated on Node >= 22.12 (engines >=22.12); vitest 5 also wants @types/node ^22 || >=24 as a peer' },
  },
  vitest: {
    node20: { version: '4.1.12', why: 'vitest 5 declares engines node ^22.12.0 || ^24.0.0 || >=26.0.0; 4.x runs on Node 20' },
    node22: { version: '5.1.2', why: 'the current major (engines ^22.12.0 || ^24.0.0 || >=26.0.0): the reason the floor is 22.12, not 22.0' },
  },
  // Dev only: property-based fuzzing of every tool's input and of the HTTP endpoint; 4.x runs on Node >= 12.17.
  'fast-check': '4.11.0',
  // Dev script only (`npm run dev`, watch mode); never used at runtime. engines >=18.
  tsx: '4.23.15',
  // Build only: scripts/bundle.mjs bundles each production entry (one module to load: a faster stdio cold
  // start). The release tsx 4.23 depends on, so one copy is installed; engines >=18; the generator bundles with it too.
  esbuild: '0.28.2',
} as const satisfies Readonly<Record<string, string | TwoColumnPin>>;

export type PinnedPackage = keyof typeof PROJECT_VERSIONS;

/** The version of `name` a project with this floor pins; undefined for a package not in the map. */
export function pinnedVersion(name: string, floor: NodeFloor): string | undefined {
  if (!Object.hasOwn(PROJECT_VERSIONS, name)) return undefined;
  const pin: string | TwoColumnPin = PROJECT_VERSIONS[name as PinnedPackage];
  if (typeof pin === 'string') return pin;
  return floor === 20 ? pin.node20.version : pin.node22.version;
}

/** What each floor means for the generated package.json and README. */
export const NODE_FLOORS: Readonly<Record<NodeFloor, { readonly engines: string; readonly minimum: string }>> = Object.freeze({
  20: { engines: '>=20.12', minimum: '20.12' },
  22: { engines: '>=22.12', minimum: '22.12' },
});

/**
 * The column for a generator running on Node `version` (`process.version`, e.g. `v24.1.0`): 22 from
 * 22.12 on (vitest 5 needs 22.12), else 20 — the Node 20 column also runs on 22.0–22.11. Pure, so it is
 * tested for every line; a version it cannot read gets the Node 20 column, which runs on every line.
 */
export function nodeFloorFor(version: string): NodeFloor {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?/.exec(version.trim());
  if (!m) return 20;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 22 || (major === 22 && minor >= 12) ? 22 : 20;
}

/**
 * The README's sentences on the Node lines a project with this floor runs on. True for every project:
 * each one pins vitest and @types/node, the packages whose current majors need Node 22.
 */
export function nodeSupportText(floor: NodeFloor): string {
  const { minimum } = NODE_FLOORS[floor];
  if (floor === 22) {
    return [
      `Runs on Node.js ${minimum} or later (\`engines\` in package.json), which covers the maintained lines 22, 24`,
      'and 26. It was generated on Node 22.12 or later, so it pins the current major of every dependency.',
    ].join('\n');
  }
  return [
    `Runs on Node.js ${minimum} or later (\`engines\` in package.json). It was generated on Node 20, so where a`,
    "dependency's current major needs Node 22 (vitest 5 among them) it pins the last version that runs on 20.",
    'Node 20 has been end of life since 2026-04-30 and `create-secure-mcp check` warns about it (SMCP-NODE-001):',
    'run the server on 22, 24 or 26, and generate the project again on Node 22.12 or later for the current majors.',
  ].join('\n');
}
