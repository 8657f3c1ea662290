// Settings of the fetch_url tool. Guards against an allowlist that means more than it says (entries
// must be plain host names or host:port — no wildcards, no URLs, no userinfo; an empty list allows
// nothing) and against unbounded fetches (size, time and redirect caps with hard maxima). There is
// deliberately no setting that turns the address checks off.
import { parseAllowlistEntry, type AllowedHost } from '../security/host-allowlist.js';

export interface FetchConfig {
  /** FETCH_ALLOWED_HOSTS, normalised; empty = every request refused. */
  allowedHosts: readonly AllowedHost[];
  /** FETCH_MAX_BYTES: response bytes read before the stream is cut (result marked truncated). */
  maxBytes: number;
  /** FETCH_TIMEOUT_MS: whole request, DNS and every redirect hop included. */
  timeoutMs: number;
  /** FETCH_MAX_REDIRECTS: redirects followed (each re-checked); 0 = none. */
  maxRedirects: number;
}

export const FETCH_DEFAULTS = Object.freeze({ maxBytes: 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 });
const LIMITS = {
  FETCH_MAX_BYTES: { min: 1, max: 16 * 1024 * 1024, default: FETCH_DEFAULTS.maxBytes },
  FETCH_TIMEOUT_MS: { min: 100, max: 120_000, default: FETCH_DEFAULTS.timeoutMs },
  FETCH_MAX_REDIRECTS: { min: 0, max: 10, default: FETCH_DEFAULTS.maxRedirects },
} as const;
const MAX_HOSTS = 256;

export function parseFetchConfig(env: Record<string, string | undefined>, ctx: { root: string; problems: string[] }): FetchConfig | undefined {
  const start = ctx.problems.length;
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

  const number = (name: keyof typeof LIMITS): number => {
    const { min, max, default: fallback } = LIMITS[name];
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d{1,12}$/.test(raw)) ctx.problems.push(`${name} must be a whole number`);
    else if (Number(raw) < min || Number(raw) > max) ctx.problems.push(`${name} must be between ${min} and ${max}`);
    return Number(raw);
  };

  const allowedHosts: AllowedHost[] = [];
  const entries = (value('FETCH_ALLOWED_HOSTS') ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length > MAX_HOSTS) ctx.problems.push(`FETCH_ALLOWED_HOSTS lists more than ${MAX_HOSTS} hosts`);
  for (const entry of entries.slice(0, MAX_HOSTS)) {
    const parsed = parseAllowlistEntry(entry.slice(0, 300));
    if (typeof parsed === 'string') ctx.problems.push(`FETCH_ALLOWED_HOSTS ${parsed}`);
    else if (!allowedHosts.some((h) => h.host === parsed.host && h.port === parsed.port)) allowedHosts.push(Object.freeze(parsed));
  }

  const maxBytes = number('FETCH_MAX_BYTES');
  const timeoutMs = number('FETCH_TIMEOUT_MS');
  const maxRedirects = number('FETCH_MAX_REDIRECTS');
  if (ctx.problems.length > start) return undefined;
  return Object.freeze({ allowedHosts: Object.freeze(allowedHosts), maxBytes, timeoutMs, maxRedirects });
}
