// Finds the authorization server's JWKS (`jwks_uri`) from its metadata: RFC 8414
// `/.well-known/oauth-authorization-server`, then OpenID Connect `/.well-known/openid-configuration`.
// Guards against a hanging or huge answer (timeout, 256 KiB cap, no redirects; the JWKS too: at most
// 256 KiB and 100 keys, read chunk by chunk so an endless answer is never buffered), against metadata
// served for another issuer (its `issuer` must equal OAUTH_ISSUER exactly, RFC 8414 §3.3 — a
// mix-up defence) and against keys fetched over plain http from a non-loopback host.
const MAX_METADATA_BYTES = 256 * 1024;
/** A JWKS larger than this, or with more keys, is refused (real ones hold a few keys, a few KiB). */
export const MAX_JWKS_BYTES = 256 * 1024;
export const MAX_JWKS_KEYS = 100;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/** Metadata URLs to try, in order (RFC 8414 §3.1 path insertion; OIDC path appending). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  const urls = [`${origin}/.well-known/oauth-authorization-server${path}`];
  if (path !== '') urls.push(`${origin}/.well-known/openid-configuration${path}`);
  urls.push(`${origin}${path}/.well-known/openid-configuration`);
  return urls;
}

/** The body as text, read chunk by chunk: past `max` bytes the stream is cancelled (never buffered whole). */
async function readCapped(response: Response, max = MAX_METADATA_BYTES, what = 'metadata'): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    throw new DiscoveryError(`${what} larger than ${max / 1024} KiB`);
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new DiscoveryError(`${what} larger than ${max / 1024} KiB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The fetch jose's createRemoteJWKSet uses (its `customFetch` option): jose itself reads the whole
 * response with `response.json()`, so a huge or endless JWKS would be buffered in memory. This one
 * reads at most MAX_JWKS_BYTES, refuses more than MAX_JWKS_KEYS keys, and hands jose a small copy.
 */
export async function cappedJwksFetch(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200) {
    await response.body?.cancel();
    return new Response(null, { status: response.status });
  }
  const text = await readCapped(response, MAX_JWKS_BYTES, 'JWKS');
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch {
    throw new DiscoveryError('JWKS is not JSON');
  }
  if (Array.isArray(keys) && keys.length > MAX_JWKS_KEYS) throw new DiscoveryError(`JWKS holds ${keys.length} keys, more than ${MAX_JWKS_KEYS}`);
  return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** The issuer's jwks_uri; throws DiscoveryError saying what failed (never logs a token: none is involved). */
export async function discoverJwksUri(issuer: string, options: { timeoutMs?: number } = {}): Promise<URL> {
  const failures: string[] = [];
  for (const candidate of metadataUrls(issuer)) {
    let response: Response;
    try {
      response = await fetch(candidate, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable'}`);
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      failures.push(`${candidate}: HTTP ${response.status}`);
      continue;
    }
    let metadata: { issuer?: unknown; jwks_uri?: unknown };
    try {
      metadata = JSON.parse(await readCapped(response)) as typeof metadata;
    } catch (error) {
      failures.push(`${candidate}: ${error instanceof DiscoveryError ? error.message : 'not JSON'}`);
      continue;
    }
    if (metadata.issuer !== issuer) {
      failures.push(`${candidate}: its "issuer" is not OAUTH_ISSUER`);
      continue;
    }
    if (typeof metadata.jwks_uri !== 'string') {
      failures.push(`${candidate}: no jwks_uri`);
      continue;
    }
    let jwks: URL;
    try {
      jwks = new URL(metadata.jwks_uri);
    } catch {
      failures.push(`${candidate}: jwks_uri is not a URL`);
      continue;
    }
    if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && LOOPBACK_HOST.test(jwks.hostname))) {
      failures.push(`${candidate}: jwks_uri is not https`);
      continue;
    }
    return jwks;
  }
  throw new DiscoveryError(`could not discover the JWKS of ${issuer} (${failures.join('; ')}); set OAUTH_JWKS_URL to skip discovery`);
}
