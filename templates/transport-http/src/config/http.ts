// HTTP settings (section of config.ts). Guards against exposing the server by accident: a
// non-loopback HOST needs auth, PUBLIC_URL, ALLOWED_HOSTS and TLS (or a named TLS-terminating proxy);
// TRUST_PROXY=true (believe anyone's X-Forwarded-For) is refused, and so is any range that covers
// public address space (only private, loopback, link-local and unique-local ranges, or one public
// proxy address); a half-configured or unreadable certificate stops the start, and so does a TLS key
// that group or others can read or write, or that another user owns (or whose folder they control).
// Every problem names its variable; no secret value is ever printed.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { Secret } from '../config.js';
import { folderProblem, foreignOwner } from '../security/file-policy.js';
import { hostPlatform, type HostPlatform } from '../security/platform.js';

export type TrustedRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface HttpConfig {
  host: string;
  port: number;
  /** Canonical URL of the MCP endpoint (OAuth audience default, resource metadata). */
  publicUrl: string;
  /** PUBLIC_URL was not set (the default http(s)://HOST:PORT/mcp was used). */
  publicUrlIsDefault: boolean;
  /** Exact `Host` header values accepted (lower case, with port where one is sent). */
  allowedHosts: readonly string[];
  /** Exact origins (`scheme://host[:port]`) accepted; empty = only requests without `Origin`. */
  allowedOrigins: readonly string[];
  tls: { certFile: string; keyFile: string; cert: string; key: Secret } | undefined;
  /** Proxies whose X-Forwarded-For is believed; [] = none (the socket address is the client). */
  trustProxy: readonly TrustedRange[];
  maxBodyBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /** tools/call requests one principal may have running at once. */
  maxConcurrentCalls: number;
  /** Failed authentications per client address per window before 429 (AUTH_FAILURE_POINTS); undefined with auth `none`. */
  authFailurePoints: number | undefined;
}

export interface HttpConfigContext {
  root: string;
  problems: string[];
  /** This project's HTTP runs with auth `none`: loopback binds only. */
  authNone: boolean;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for 127.0.0.0/8, ::1, IPv4-mapped loopback and the name `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (!ipaddr.isValid(bare)) return false;
  const addr = ipaddr.process(bare);
  return addr.range() === 'loopback';
}

/** `host` as it appears in a Host header / URL authority (IPv6 in brackets), lower case. */
function authorityHost(host: string): string {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  // `::1` (always among the allowed hosts) and names without a colon are decided without isIP(): its first
  // IPv6 call compiles Node's large IPv6 pattern (~4 ms of every start, the stdio start of a both-transports project too).
  return bare === '::1' || (bare.includes(':') && isIP(bare) === 6) ? `[${bare}]` : bare;
}

function int(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,12}$/.test(raw)) {
    problems.push(`${name} must be a whole number`);
    return fallback;
  }
  const n = Number(raw);
  if (n < min || n > max) problems.push(`${name} must be between ${min} and ${max}`);
  return n;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

/**
 * Ranges a trusted proxy may sit in: private (RFC 1918), shared/CGNAT (RFC 6598), loopback, link-local,
 * and IPv6 unique-local, link-local and loopback. A wider range would let anyone on the internet whose
 * address falls inside it set X-Forwarded-For and pick the client address the per-IP limit keys on.
 */
const NON_PUBLIC_RANGES: readonly TrustedRange[] = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16',
  '::1/128', 'fc00::/7', 'fe80::/10',
].map((cidr) => ipaddr.parseCIDR(cidr));

/** True when every address of the range is private, loopback, link-local or unique-local. */
export function isNonPublicRange([addr, bits]: TrustedRange): boolean {
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return isNonPublicRange([(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]);
  }
  return NON_PUBLIC_RANGES.some(([net, netBits]) => net.kind() === addr.kind() && bits >= netBits && addr.match(net, netBits));
}

function parseTrustProxy(raw: string | undefined, problems: string[]): TrustedRange[] {
  const entries = list(raw);
  const ranges: TrustedRange[] = [];
  for (const entry of entries) {
    const lower = entry.toLowerCase();
    if (lower === 'true' || lower === '*' || lower === 'all') {
      problems.push(`TRUST_PROXY=${entry} is refused: it would believe X-Forwarded-For from anyone (spoofed client addresses defeat the per-IP limit). Name the proxy: a CIDR list such as 10.0.0.5/32, or "loopback"`);
      continue;
    }
    if (lower === 'false') continue;
    if (lower === 'loopback') {
      ranges.push(ipaddr.parseCIDR('127.0.0.0/8'), ipaddr.parseCIDR('::1/128'));
      continue;
    }
    try {
      const range = entry.includes('/') ? ipaddr.parseCIDR(entry) : (() => {
        const addr = ipaddr.parse(entry);
        return [addr, addr.kind() === 'ipv4' ? 32 : 128] as TrustedRange;
      })();
      if (range[1] === 0) {
        problems.push(`TRUST_PROXY=${entry} trusts every address (same as "true"); name the proxy's address or subnet`);
        continue;
      }
      // One public address (a /32 or /128: a real proxy's own address) is allowed; a public range is not.
      const single = range[1] === (range[0].kind() === 'ipv4' ? 32 : 128);
      if (!single && !isNonPublicRange(range)) {
        problems.push(`TRUST_PROXY entry "${entry}" covers public address space: anyone there could forge X-Forwarded-For. Only private (10/8, 172.16/12, 192.168/16, 100.64/10), loopback, link-local and unique-local (fc00::/7) ranges are allowed, or a proxy's single public address (/32, /128); list each public proxy address on its own`);
        continue;
      }
      ranges.push(range);
    } catch {
      problems.push(`TRUST_PROXY entry "${entry.slice(0, 64)}" is not an IP address, a CIDR or "loopback"`);
    }
  }
  return ranges;
}

function parseOrigins(raw: string | undefined, problems: string[]): string[] {
  const origins: string[] = [];
  for (const entry of list(raw)) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    // Exact origins only: scheme + host + port, nothing else (no path, no wildcard, no "null").
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
      problems.push(`ALLOWED_ORIGINS entry "${entry.slice(0, 100)}" must be an exact origin such as https://app.example.com or http://localhost:5173 (scheme, host and port; no path, no wildcard)`);
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
}

/**
 * Why the TLS private key must not be used: group/other bits, another owner, or an unsafe folder.
 * POSIX only: on Windows mode bits and uids say nothing (ACLs decide); the server says so at start.
 */
export function keyFileProblem(keyFile: string, stat: { mode: number; uid: number }, platform: HostPlatform = hostPlatform): string | undefined {
  if (!platform.posixPermissions) return undefined;
  if ((stat.mode & 0o077) !== 0) {
    const octal = (stat.mode & 0o777).toString(8).padStart(3, '0');
    return `TLS_KEY_FILE ${keyFile} is readable or writable by group or others (mode ${octal}): the private key must be this user's alone. Run: chmod 600 ${keyFile}`;
  }
  const owner = foreignOwner(stat.uid, keyFile, platform);
  if (owner !== undefined) return `TLS_KEY_FILE ${keyFile} ${owner}`;
  const folder = folderProblem(path.dirname(keyFile), platform);
  return folder === undefined ? undefined : `TLS_KEY_FILE ${keyFile}: ${folder}`;
}

function readTls(env: Record<string, string | undefined>, root: string, problems: string[]): HttpConfig['tls'] {
  const certRaw = env['TLS_CERT_FILE']?.trim() || undefined;
  const keyRaw = env['TLS_KEY_FILE']?.trim() || undefined;
  if (certRaw === undefined && keyRaw === undefined) return undefined;
  if (certRaw === undefined || keyRaw === undefined) {
    problems.push(`${certRaw === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'} is missing: set both TLS_CERT_FILE and TLS_KEY_FILE, or neither`);
    return undefined;
  }
  const certFile = path.resolve(root, certRaw);
  const keyFile = path.resolve(root, keyRaw);
  let cert: string | undefined;
  let key: string | undefined;
  try {
    cert = readFileSync(certFile, 'utf8');
    new X509Certificate(cert);
  } catch (error) {
    problems.push(`TLS_CERT_FILE ${certFile} cannot be used (${(error as NodeJS.ErrnoException).code ?? 'not a PEM certificate'})`);
    cert = undefined;
  }
  try {
    // The checks run on the opened descriptor (the file that is read), before a byte of it is read.
    const fd = openSync(keyFile, 'r');
    try {
      const unsafe = keyFileProblem(keyFile, fstatSync(fd));
      if (unsafe !== undefined) {
        problems.push(unsafe);
        return undefined;
      }
      key = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
    createPrivateKey(key);
  } catch (error) {
    // Never the key's content: only the file and the error code.
    problems.push(`TLS_KEY_FILE ${keyFile} cannot be used (${(error as NodeJS.ErrnoException).code ?? 'not a PEM private key'})`);
    key = undefined;
  }
  if (cert === undefined || key === undefined) return undefined;
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    problems.push('TLS_KEY_FILE does not belong to the certificate in TLS_CERT_FILE');
    return undefined;
  }
  return { certFile, keyFile, cert, key: new Secret(key) };
}

export function parseHttpConfig(env: Record<string, string | undefined>, ctx: HttpConfigContext): HttpConfig | undefined {
  const { problems } = ctx;
  const before = problems.length;
  const host = env['HOST']?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(host)) problems.push('HOST must be an IP address or a host name');
  const port = int(env, 'PORT', 3000, 0, 65_535, problems);
  const loopback = isLoopbackHost(host);
  const tls = readTls(env, ctx.root, problems);
  const trustProxy = parseTrustProxy(env['TRUST_PROXY'], problems);
  const scheme = tls ? 'https' : 'http';

  const publicRaw = env['PUBLIC_URL']?.trim() || undefined;
  let publicUrl = `${scheme}://${authorityHost(host)}:${port}/mcp`;
  if (publicRaw !== undefined) {
    try {
      const url = new URL(publicRaw);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
      if (url.username || url.password || url.search || url.hash) throw new Error('extra parts');
      if (!loopback && url.protocol !== 'https:') {
        problems.push('PUBLIC_URL must be an https:// URL when HOST is not a loopback address (clients send credentials to it)');
      }
      publicUrl = url.href;
    } catch {
      problems.push('PUBLIC_URL must be an absolute http(s) URL of the MCP endpoint, e.g. https://mcp.example.com/mcp (no credentials, query or fragment)');
    }
  }

  const hostsRaw = list(env['ALLOWED_HOSTS']);
  const allowedHosts = new Set<string>();
  const addHost = (entry: string) => {
    // An entry with a port matches exactly; without one it matches the bare name and name:PORT.
    const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(entry.toLowerCase());
    const name = m?.[1] ?? authorityHost(entry);
    if (m?.[2] !== undefined) allowedHosts.add(`${name}:${m[2]}`);
    else {
      allowedHosts.add(authorityHost(name));
      allowedHosts.add(`${authorityHost(name)}:${port}`);
    }
  };
  for (const name of hostsRaw) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(name)) {
      problems.push(`ALLOWED_HOSTS entry "${name.slice(0, 100)}" must be a host name or address, optionally with :port (no scheme, no wildcard)`);
    } else addHost(name);
  }
  if (hostsRaw.length === 0) for (const name of LOOPBACK_NAMES) addHost(name);
  try {
    allowedHosts.add(new URL(publicUrl).host); // the public URL's own authority is always accepted
  } catch {
    /* reported above */
  }

  if (!loopback) {
    if (ctx.authNone) {
      problems.push(`HOST=${host} is not a loopback address, and this project was generated with auth "none": it may only listen on 127.0.0.1, ::1 or localhost. Regenerate with --auth api-key or --auth oauth to serve remote clients`);
    }
    if (publicRaw === undefined) problems.push(`PUBLIC_URL is required when HOST=${host} is not a loopback address (the canonical https:// URL clients use, e.g. https://mcp.example.com/mcp)`);
    if (hostsRaw.length === 0) problems.push(`ALLOWED_HOSTS is required when HOST=${host} is not a loopback address (the Host names clients use, e.g. mcp.example.com); it defends against DNS rebinding`);
    if (!tls && trustProxy.length === 0) {
      problems.push(`HOST=${host} is not a loopback address but TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE, or set TRUST_PROXY to the address of the TLS-terminating proxy in front of this server`);
    }
  }

  const config: HttpConfig = {
    host,
    port,
    publicUrl,
    publicUrlIsDefault: publicRaw === undefined,
    allowedHosts: [...allowedHosts],
    allowedOrigins: parseOrigins(env['ALLOWED_ORIGINS'], problems),
    tls,
    trustProxy,
    maxBodyBytes: int(env, 'HTTP_MAX_BODY_BYTES', 1024 * 1024, 1024, 16 * 1024 * 1024, problems),
    headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000, problems),
    requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000, problems),
    keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 120_000, problems),
    maxConnections: int(env, 'HTTP_MAX_CONNECTIONS', 256, 1, 100_000, problems),
    maxConcurrentCalls: int(env, 'HTTP_MAX_CONCURRENT_CALLS', 8, 1, 10_000, problems),
    authFailurePoints: ctx.authNone ? undefined : int(env, 'AUTH_FAILURE_POINTS', 20, 1, 100_000, problems),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  return problems.length === before ? Object.freeze(config) : undefined;
}

/** PORT=0 (tests): once bound, accept `name:<actual port>` for every entry given without a port. */
export function withBoundPort(http: HttpConfig, port: number): HttpConfig {
  if (http.port !== 0) return http;
  const bare = http.allowedHosts.filter((h) => !/:\d+$/.test(h) || /^\[[^\]]*\]$/.test(h));
  const publicUrl = http.publicUrlIsDefault ? http.publicUrl.replace(/:0\/mcp$/, `:${port}/mcp`) : http.publicUrl;
  const hosts = new Set([...http.allowedHosts.filter((h) => !h.endsWith(':0')), ...bare.map((h) => `${h}:${port}`), new URL(publicUrl).host]);
  return Object.freeze({ ...http, port, publicUrl, allowedHosts: [...hosts] });
}
