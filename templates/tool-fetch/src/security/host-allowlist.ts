// Host allowlist for the fetch tool. Guards against requests to hosts the operator did not name:
// an exact match of the normalised host (lowercase, IDNA to punycode by the WHATWG URL parser, one
// trailing dot stripped) and of the port — an entry without a port allows only the scheme's default
// port (80 for http, 443 for https); `host:port` allows exactly that port. No wildcards, no suffix
// matching (`evil-example.com` and `example.com.evil.net` never match `example.com`).
export interface AllowedHost {
  /** Normalised host name, IPv4 literal, or IPv6 literal in brackets (as URL.hostname spells it). */
  host: string;
  /** undefined = the default port of the request's scheme only. */
  port: number | undefined;
}

/** Lowercase (the URL parser already did it, IDNA included) and without one trailing dot. */
export function normalizeHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** One FETCH_ALLOWED_HOSTS entry (`host` or `host:port`) → AllowedHost, or a problem message. */
export function parseAllowlistEntry(entry: string): AllowedHost | string {
  if (entry.includes('*')) return `"${entry}": wildcards are not supported; list each host name`;
  if (/[/?#@\\\s]/.test(entry) || entry.includes('://')) return `"${entry}": give a host name (optionally :port), not a URL`;
  let url: URL;
  try {
    url = new URL(`http://${entry}`);
  } catch {
    return `"${entry}": not a valid host name`;
  }
  const host = normalizeHostname(url.hostname);
  if (host === '' || host.endsWith('.')) return `"${entry}": not a valid host name`;
  // URL drops an explicit :80 for http; read the port from the entry itself so ":80" still counts.
  const portMatch = /:(\d{1,5})$/.exec(entry);
  const port = portMatch && !entry.endsWith(']') ? Number(portMatch[1]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return `"${entry}": port must be 1-65535`;
  return { host, port };
}

/** Is this (already normalised) URL's host and port on the list? */
export function isHostAllowed(url: URL, allowlist: readonly AllowedHost[]): boolean {
  const host = normalizeHostname(url.hostname);
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  return allowlist.some((entry) => entry.host === host && (entry.port === undefined ? port === defaultPort(url.protocol) : entry.port === port));
}
