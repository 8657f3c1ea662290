// Settings of the PostgreSQL storage. Guards against a malformed or missing DATABASE_URL (refused at
// start with a problem naming the variable) and against its credentials leaking: the URL is kept in a
// Secret, and no problem, log line or error ever echoes it — not its password, user or host. Also bounds
// every statement (DATABASE_STATEMENT_TIMEOUT_MS) and the pool (DATABASE_POOL_MAX).
import { Secret } from '../config.js';

export interface PostgresConfig {
  /** DATABASE_URL (postgres:// or postgresql://), passed to pg as is (so sslmode etc. apply). Never printed. */
  url: Secret;
  /** DATABASE_STATEMENT_TIMEOUT_MS: the server cancels any statement running longer. */
  statementTimeoutMs: number;
  /** DATABASE_POOL_MAX: most connections this process opens. */
  poolMax: number;
}

const LIMITS = {
  DATABASE_STATEMENT_TIMEOUT_MS: { min: 100, max: 600_000, default: 10_000 },
  DATABASE_POOL_MAX: { min: 1, max: 100, default: 10 },
} as const;

/** True for a URL pg can use: postgres(ql)://, a host (or ?host=/socket), a database name. Throws nothing. */
function usableUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return false;
  const host = url.hostname !== '' || (url.searchParams.get('host') ?? '') !== '';
  const database = url.pathname.replace(/^\//, '');
  return host && database !== '' && !database.includes('/');
}

function whole(env: Record<string, string | undefined>, name: keyof typeof LIMITS, problems: string[]): number {
  const spec = LIMITS[name];
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return spec.default;
  if (!/^\d{1,12}$/.test(raw)) problems.push(`${name} must be a whole number`);
  else if (Number(raw) < spec.min || Number(raw) > spec.max) problems.push(`${name} must be between ${spec.min} and ${spec.max}`);
  return Number(raw);
}

export function parsePostgresConfig(env: Record<string, string | undefined>, ctx: { root: string; problems: string[] }): PostgresConfig | undefined {
  const start = ctx.problems.length;
  const raw = env['DATABASE_URL']?.trim();
  const example = 'postgres://USER:PASSWORD@HOST:5432/DATABASE';
  if (raw === undefined || raw === '') ctx.problems.push(`DATABASE_URL is required (${example})`);
  else if (raw.length > 4096 || raw.includes('\0')) ctx.problems.push('DATABASE_URL is too long or contains NUL');
  // The value is never quoted: it usually holds a password.
  else if (!usableUrl(raw)) ctx.problems.push(`DATABASE_URL is not a valid PostgreSQL URL: expected ${example} (postgres:// or postgresql://, a host and a database name; value not shown)`);
  const statementTimeoutMs = whole(env, 'DATABASE_STATEMENT_TIMEOUT_MS', ctx.problems);
  const poolMax = whole(env, 'DATABASE_POOL_MAX', ctx.problems);
  if (ctx.problems.length > start || raw === undefined) return undefined;
  return Object.freeze({ url: new Secret(raw), statementTimeoutMs, poolMax });
}
