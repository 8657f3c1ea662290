// Config section for the OAuth 2.1 resource server. Guards against starting with a verifier that
// could be fooled: no issuer (required), a key source over plain http to a non-loopback host (a
// network attacker would swap the keys), an algorithm list that allows `none` or HMAC (HS* lets a
// token be "signed" with the public key as the secret — the classic key-confusion attack), and an
// audience that defaults to nothing (it defaults to PUBLIC_URL, the RFC 8707 resource identifier),
// and a malformed OAUTH_TOKEN_TYPE (the `typ` header every token must carry when it is set, RFC 9068).
export const OAUTH_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type OAuthAlgorithm = (typeof OAUTH_ALGORITHMS)[number];

export interface OAuthConfig {
  /** OAUTH_ISSUER, exactly as the tokens' `iss` (compared as a string). */
  issuer: string;
  /** OAUTH_AUDIENCE (default PUBLIC_URL): the token's `aud` must contain it. */
  audience: string;
  /** PUBLIC_URL: the resource identifier advertised in the RFC 9728 metadata. */
  resource: string;
  /** OAUTH_JWKS_URL; undefined = discover `jwks_uri` from the issuer's metadata. */
  jwksUrl: string | undefined;
  /** OAUTH_ALGORITHMS (default RS256, ES256); never `none`, never HS*. */
  algorithms: readonly OAuthAlgorithm[];
  /** Leeway for exp/nbf/iat against clock skew (fixed, small). */
  clockToleranceSeconds: number;
  /** OAUTH_TOKEN_TYPE (e.g. `at+jwt`, RFC 9068): the `typ` header every token must carry; undefined = not checked. */
  tokenType: string | undefined;
}

export interface OAuthConfigContext {
  root: string;
  problems: string[];
  /** config.http.publicUrl (PUBLIC_URL or its default). */
  publicUrl: string | undefined;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** An absolute URL that is https, or http to a loopback host (local development and tests only). */
function secureUrl(name: string, raw: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be an absolute URL (https://…)`);
    return undefined;
  }
  if (url.username || url.password || url.hash) {
    problems.push(`${name} must not contain credentials or a fragment`);
    return undefined;
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname)) return url;
  problems.push(`${name} must use https:// (plain http is accepted only for localhost/127.0.0.1/[::1])`);
  return undefined;
}

/** Why the HTTP transport cannot start without OAUTH_ISSUER (stdio does not need it). */
export const OAUTH_ISSUER_REQUIRED =
  'OAUTH_ISSUER is required for the HTTP transport: the URL of the authorization server whose tokens this server accepts (the tokens\' "iss")';

/**
 * undefined with no new problem = OAuth not configured (OAUTH_ISSUER unset): stdio runs, and the
 * HTTP transport refuses to start (createAuthenticator throws OAUTH_ISSUER_REQUIRED).
 * Every other variable is checked whenever it is set, so a bad value stops stdio too.
 */
export function parseOAuthConfig(env: Record<string, string | undefined>, ctx: OAuthConfigContext): OAuthConfig | undefined {
  const { problems } = ctx;
  const before = problems.length;
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;

  const issuer = value('OAUTH_ISSUER');
  if (issuer !== undefined) {
    const url = secureUrl('OAUTH_ISSUER', issuer, problems);
    if (url?.search) problems.push('OAUTH_ISSUER must not contain a query string (RFC 8414)');
  }

  const jwksRaw = value('OAUTH_JWKS_URL');
  if (jwksRaw !== undefined) secureUrl('OAUTH_JWKS_URL', jwksRaw, problems);

  const audience = value('OAUTH_AUDIENCE') ?? ctx.publicUrl;
  if (audience !== undefined && audience.length > 2048) problems.push('OAUTH_AUDIENCE is too long');

  const algorithms: OAuthAlgorithm[] = [];
  for (const alg of (value('OAUTH_ALGORITHMS') ?? 'RS256,ES256').split(/[\s,]+/).filter((a) => a !== '')) {
    if (alg.toLowerCase() === 'none' || /^HS\d+$/i.test(alg)) {
      problems.push(`OAUTH_ALGORITHMS must not contain ${alg}: ${alg.toLowerCase() === 'none' ? 'unsigned tokens' : 'HMAC lets anyone who knows the public key forge tokens (key confusion)'}; use asymmetric algorithms such as RS256 or ES256`);
    } else if ((OAUTH_ALGORITHMS as readonly string[]).includes(alg)) {
      if (!algorithms.includes(alg as OAuthAlgorithm)) algorithms.push(alg as OAuthAlgorithm);
    } else {
      problems.push(`OAUTH_ALGORITHMS entry "${alg.slice(0, 32)}" is not one of ${OAUTH_ALGORITHMS.join(', ')}`);
    }
  }
  if (algorithms.length === 0 && problems.length === before) problems.push('OAUTH_ALGORITHMS must list at least one algorithm');

  // A media type's subtype, optionally with "application/" (compared as jose does: case-insensitive, prefix optional).
  const tokenType = value('OAUTH_TOKEN_TYPE');
  if (tokenType !== undefined && !/^(application\/)?[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/i.test(tokenType)) {
    problems.push('OAUTH_TOKEN_TYPE must be a media type such as at+jwt (RFC 9068 access tokens), or unset');
  }

  if (problems.length !== before || issuer === undefined || audience === undefined || ctx.publicUrl === undefined) return undefined;
  return Object.freeze({
    issuer,
    audience,
    resource: ctx.publicUrl,
    jwksUrl: jwksRaw,
    algorithms: Object.freeze(algorithms),
    clockToleranceSeconds: 30,
    tokenType,
  });
}
