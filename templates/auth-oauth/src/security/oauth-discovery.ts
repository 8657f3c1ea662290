// Finds the authorization server's JWKS (`jwks_uri`) from its metadata: RFC 8414
// `/.well-known/oauth-authorization-server`, then OpenID Connect `/.well-known/openid-configuration`.
// Guards against a hanging or huge answer (timeout, 256 KiB cap, no redirects), against metadata
// served for another issuer (its `issuer` must equal OAUTH_ISSUER exactly, RFC 8414 §3.3 — a
// mix-up defence) and against keys fetched over plain http from a non-loopback host.
const MAX_METADATA_BYTES = 256 * 1024;
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

async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_METADATA_BYTES) {
      await reader.cancel();
      throw new DiscoveryError('metadata larger than 256 KiB');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
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
