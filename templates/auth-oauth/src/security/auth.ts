// HTTP authentication as an OAuth 2.1 RESOURCE SERVER (never an authorization server): accepts
// `Authorization: Bearer <JWT>` access tokens verified with jose against the issuer's JWKS.
// Guards against forged tokens (signature checked against the issuer's published keys only; `none`
// and HS* are never accepted, so a token "signed" with the public key as an HMAC secret fails),
// tokens of another issuer or meant for another service (iss exact, aud must contain
// OAUTH_AUDIENCE — RFC 8707), stale or early tokens (exp required, nbf, and an `iat` in the future;
// 30 s clock leeway), tokens of another type when OAUTH_TOKEN_TYPE is set (`typ`, RFC 9068: an ID
// token is not an access token), a huge or endless JWKS (capped fetch, oauth-discovery.ts) and
// token passthrough: the token never leaves this file — AuthInfo.token holds a placeholder, so no
// tool can forward or log it. A 401 points clients at the RFC 9728 metadata (resource_metadata).
import type { IncomingMessage } from 'node:http';
import { getOAuthProtectedResourceMetadataUrl, type OAuthProtectedResourceMetadata } from '@modelcontextprotocol/server';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ConfigError, type Config } from '../config.js';
import { OAUTH_ISSUER_REQUIRED } from '../config/oauth.js';
import type { Logger } from '../logger.js';
import { declaredScopes } from '../tools/define.js';
import { createTools } from '../tools/index.js';
import { sendJson } from '../http/respond.js';
import { authInfoFor, type Authenticator } from './authenticator.js';
import type { Principal } from './authz.js';
import { cappedJwksFetch, discoverJwksUri, DiscoveryError } from './oauth-discovery.js';

export type { Authenticator, AuthResult } from './authenticator.js';

/** What AuthInfo.token carries instead of the token. */
export const TOKEN_PLACEHOLDER = '[REDACTED]';
const MAX_TOKEN_LENGTH = 16 * 1024;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const MAX_SCOPES = 256;
/** After a failed discovery, requests fail fast for this long before discovery is tried again. */
const DISCOVERY_RETRY_MS = 30_000;

type KeyResolver = ReturnType<typeof createRemoteJWKSet>;

export interface OAuthAuthenticatorOptions {
  /** Scopes advertised as scopes_supported; default: every scope the project's tools declare. */
  scopesSupported?: readonly string[];
}

/** The bearer token of an `Authorization` header, or undefined (absent, other scheme, malformed). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_TOKEN_LENGTH + 16) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match?.[1];
}

/** Scopes from `scope` (space-separated string, RFC 9068) or `scp` (array or string); invalid entries dropped. */
export function scopesOf(payload: JWTPayload): string[] {
  const raw = payload['scope'] ?? payload['scp'];
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
  const scopes = list.filter((s): s is string => typeof s === 'string' && SCOPE_TOKEN.test(s));
  return [...new Set(scopes)].slice(0, MAX_SCOPES);
}

function failureReason(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token rejected: ${error.code} (${error.claim}: ${error.reason})`;
  if (error instanceof joseErrors.JOSEError) return `token rejected: ${error.code}`;
  return `token rejected: ${error instanceof Error ? error.name : 'error'}`;
}

export function createAuthenticator(config: Config, logger: Logger, options: OAuthAuthenticatorOptions = {}): Authenticator {
  const oauth = config.oauth;
  if (oauth === undefined) throw new ConfigError(`Invalid configuration:\n  - ${OAUTH_ISSUER_REQUIRED}`);
  const metadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(oauth.resource));
  const metadataPath = new URL(metadataUrl).pathname;
  const metadata: OAuthProtectedResourceMetadata = {
    resource: oauth.resource,
    authorization_servers: [oauth.issuer],
    scopes_supported: [...(options.scopesSupported ?? declaredScopes(createTools({ config })))],
    bearer_methods_supported: ['header'],
  };
  let audienceUrl: URL | undefined;
  try {
    audienceUrl = new URL(oauth.audience);
  } catch {
    audienceUrl = undefined; // an audience need not be a URL; AuthInfo.resource is then left unset
  }

  // The key source: OAUTH_JWKS_URL, or the jwks_uri discovered once from the issuer's metadata.
  let keys: Promise<KeyResolver> | undefined;
  let failedAt = 0;
  const keyResolver = (): Promise<KeyResolver> => {
    if (keys) return keys;
    if (Date.now() - failedAt < DISCOVERY_RETRY_MS) return Promise.reject(new Error('authorization server discovery failed recently'));
    const jwksUrl = oauth.jwksUrl !== undefined ? Promise.resolve(new URL(oauth.jwksUrl)) : discoverJwksUri(oauth.issuer);
    keys = jwksUrl.then(
      (url) => {
        logger.info({ jwks: url.href }, 'OAuth: verifying tokens with this JWKS');
        return createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000, [customFetch]: cappedJwksFetch });
      },
      (error: unknown) => {
        keys = undefined;
        failedAt = Date.now();
        logger.error({ err: error }, 'OAuth: cannot find the authorization server\'s keys; tokens are refused until it can');
        throw error;
      },
    );
    return keys;
  };
  if (oauth.jwksUrl === undefined) keyResolver().catch(() => undefined); // discover early; logged above

  return {
    async authenticate(req) {
      if (req.headers.authorization === undefined) return { ok: false, reason: 'no credentials' };
      const token = bearerToken(req);
      if (token === undefined) return { ok: false, reason: 'malformed Authorization header (expected Bearer)' };

      let resolver: KeyResolver;
      try {
        resolver = await keyResolver();
      } catch {
        return { ok: false, reason: 'authorization server keys unavailable' };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolver, {
          issuer: oauth.issuer,
          audience: oauth.audience,
          algorithms: [...oauth.algorithms],
          clockTolerance: oauth.clockToleranceSeconds,
          requiredClaims: ['exp', 'sub'],
          ...(oauth.tokenType !== undefined && { typ: oauth.tokenType }),
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWKSTimeout) logger.warn('OAuth: JWKS request timed out');
        if (error instanceof DiscoveryError) {
          logger.error({ err: error }, 'OAuth: the authorization server\'s JWKS was refused; tokens are refused until it is fixed');
          return { ok: false, reason: `authorization server keys refused: ${error.message}` };
        }
        return { ok: false, reason: failureReason(error) };
      }
      // jose checks `iat` against the clock only with maxTokenAge; a token issued in the future (beyond
      // the leeway) is forged or from a broken clock either way.
      if (typeof payload.iat === 'number' && payload.iat > Math.floor(Date.now() / 1000) + oauth.clockToleranceSeconds) {
        return { ok: false, reason: 'token rejected: "iat" is in the future (beyond the clock leeway)' };
      }

      const sub = payload.sub;
      if (typeof sub !== 'string' || sub === '' || sub.length > 255 || /[\u0000-\u001F\u007F]/.test(sub)) {
        return { ok: false, reason: 'token rejected: unusable "sub" claim' };
      }
      const principal: Principal = Object.freeze({
        id: `oauth:${oauth.issuer}#${sub}`,
        scopes: Object.freeze(scopesOf(payload)),
        kind: 'oauth' as const,
      });
      const authInfo = authInfoFor(principal, TOKEN_PLACEHOLDER, payload.exp as number, {
        resourceMetadataUrl: metadataUrl,
        ...(audienceUrl !== undefined && { resource: audienceUrl }),
      });
      return { ok: true, principal, authInfo };
    },

    challenge(tokenWasPresent) {
      return tokenWasPresent
        ? `Bearer error="invalid_token", resource_metadata="${metadataUrl}"`
        : `Bearer resource_metadata="${metadataUrl}"`;
    },

    routes() {
      // RFC 9728 Protected Resource Metadata: public, GET only, no credentials involved.
      return { [metadataPath]: (_req, res) => sendJson(res, 200, metadata) };
    },
  };
}
