// SSRF checks for outbound requests: one place decides whether a URL may be fetched and which address
// the connection goes to. Guards against: schemes other than http/https (file:, gopher:, data: …);
// credentials in the URL (`user:pass@host`); hosts and ports not on FETCH_ALLOWED_HOSTS; IP literals in
// any spelling (the WHATWG URL parser already turned 0x7f.1, 2130706433, 0177.0.0.1 and 127.1 into
// 127.0.0.1, and Node skips the lookup hook for literals, so literals are checked here directly); names
// that resolve to ANY non-public address (all answers are checked, one bad answer refuses the request);
// and DNS rebinding: the vetted address is PINNED — the connection's `lookup` hook returns only that
// address, so no second resolution can swap in another one.
// Client-facing messages name only what the caller typed (never a resolved address, never a host a
// redirect came up with); details go to the stderr log.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { ToolError } from './errors.js';
import { isHostAllowed, normalizeHostname, type AllowedHost } from './host-allowlist.js';
import { checkAddress } from './ip-policy.js';

export const MAX_URL_LENGTH = 2048;

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Name → every address it resolves to. Injectable so tests never touch the real DNS. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (getaddrinfo, /etc/hosts included), all answers. */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

/** A vetted URL and the one address its connection may use. */
export interface PinnedTarget {
  url: URL;
  /** Host name without brackets, as the socket/TLS layer wants it (SNI and certificate check use it). */
  hostname: string;
  address: string;
  family: 4 | 6;
}

export interface CheckOptions {
  allowlist: readonly AllowedHost[];
  /** Words naming the URL in messages: the URL the caller typed, or "the redirect target". */
  label: string;
}

/** Parses and checks a URL (scheme, userinfo, allowlist and port). Returns it normalised, without #fragment. */
export function checkUrl(input: string, { allowlist, label }: CheckOptions): URL {
  if (input.length > MAX_URL_LENGTH) throw new ToolError(`Refused: ${label} is longer than ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ToolError(`Refused: ${label} is not a valid absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ToolError(`Refused: ${label} must use http or https.`);
  if (url.username !== '' || url.password !== '') throw new ToolError(`Refused: ${label} contains credentials (user:password@); they are never sent.`);
  const host = normalizeHostname(url.hostname);
  if (host === '') throw new ToolError(`Refused: ${label} has no host.`);
  url.hostname = host;
  url.hash = '';
  if (allowlist.length === 0) throw new ToolError('Refused: no host is allowed (FETCH_ALLOWED_HOSTS is empty).');
  if (!isHostAllowed(url, allowlist)) {
    throw new ToolError(`Refused: the host and port of ${label} are not in FETCH_ALLOWED_HOSTS (a host without a port allows only port 80 for http and 443 for https).`);
  }
  return url;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

export interface VetOptions {
  resolver: Resolver;
  label: string;
  signal: AbortSignal;
  /** Admits 127.0.0.1 only. Never set outside tests: see SafeFetcher. */
  allowLoopbackForTests: boolean;
  /** Receives what was refused, for the stderr log (never shown to the client). */
  onRefused?(detail: { hostname: string; address: string; range: string }): void;
}

/** Resolves (once) and checks every address; returns the first, to be pinned for the connection. */
export async function vetTarget(url: URL, options: VetOptions): Promise<PinnedTarget> {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const refuse = (address: string, range: string): never => {
    options.onRefused?.({ hostname, address, range });
    throw new ToolError(`Refused: ${options.label} leads to an address that is not public (private, loopback, link-local, metadata or reserved ranges are never fetched).`);
  };

  if (isIP(hostname) !== 0) {
    const verdict = checkAddress(hostname, options.allowLoopbackForTests);
    if (!verdict.ok) return refuse(hostname, verdict.range);
    return { url, hostname, address: verdict.address, family: verdict.family };
  }

  let answers: readonly ResolvedAddress[];
  try {
    answers = await abortable(options.resolver(hostname), options.signal);
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw new ToolError(`Fetch failed: could not resolve the host of ${options.label}.`);
  }
  if (answers.length === 0) throw new ToolError(`Fetch failed: could not resolve the host of ${options.label}.`);
  const vetted = answers.map((answer) => ({ answer, verdict: checkAddress(answer.address, options.allowLoopbackForTests) }));
  for (const { answer, verdict } of vetted) if (!verdict.ok) refuse(answer.address, verdict.range);
  const first = vetted[0]?.verdict;
  if (!first?.ok) return refuse(String(answers[0]?.address), 'invalid');
  return { url, hostname, address: first.address, family: first.family };
}

/**
 * The connection's lookup hook: answers with the pinned address only (both the single-answer and the
 * `all: true` form Node uses for autoSelectFamily), and fails for any other name — never a DNS query.
 */
export function pinnedLookup(target: PinnedTarget): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    if (normalizeHostname(hostname) !== target.hostname) {
      const error: NodeJS.ErrnoException = new Error('lookup for an unexpected host name refused');
      error.code = 'ERR_SSRF_PIN';
      callback(error, '', 0);
      return;
    }
    if (options.all) callback(null, [{ address: target.address, family: target.family } satisfies LookupAddress]);
    else callback(null, target.address, target.family);
  };
}
