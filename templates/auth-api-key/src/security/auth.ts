// HTTP authentication with API keys (`Authorization: Bearer smcp_<id>_<secret>`). Guards against
// callers without a valid key (missing, malformed, unknown, wrong secret, revoked or expired → 401
// with `WWW-Authenticate: Bearer realm="mcp"`), against a revoked key that keeps working until a
// restart (the keys file is re-checked on every request, see api-key-store.ts), against timing
// probes (constant-time digest compare, also for unknown ids) and against the key leaking onward:
// it never reaches AuthInfo, tools, logs or the audit log (AuthInfo.token holds a placeholder).
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { keyMatchesDigest, parseApiKey } from './api-key-format.js';
import { ApiKeyStore } from './api-key-store.js';
import { authInfoFor, type Authenticator } from './authenticator.js';
import type { Principal } from './authz.js';

export type { Authenticator, AuthResult } from './authenticator.js';

/** AuthInfo lives at most this long (the SDK refuses tokens without expiresAt). */
const AUTH_INFO_TTL_SECONDS = 3600;
/** What AuthInfo.token carries instead of the credential, so no tool can log or forward it. */
export const TOKEN_PLACEHOLDER = '[REDACTED]';

/** The bearer token of an `Authorization` header, or undefined (absent, other scheme, malformed). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  const match = /^Bearer +([\x21-\x7E]+) *$/i.exec(header);
  return match?.[1];
}

export function createAuthenticator(config: Config, logger: Logger): Authenticator {
  const store = new ApiKeyStore(config.apiKeys.file, logger);

  return {
    async authenticate(req) {
      if (req.headers.authorization === undefined) return { ok: false, reason: 'no credentials' };
      const token = bearerToken(req);
      if (token === undefined) return { ok: false, reason: 'malformed Authorization header (expected Bearer)' };
      const parsed = parseApiKey(token);
      if (!parsed) return { ok: false, reason: 'malformed API key' };

      const loaded = await store.lookup(parsed.id);
      // Unknown ids go through the same digest compare (against a zero hash) as known ones.
      const matches = keyMatchesDigest(token, loaded?.digest);
      const entry = loaded?.entry;
      if (!entry) return { ok: false, reason: `unknown API key id ${parsed.id}` };
      if (!matches) return { ok: false, reason: `wrong secret for API key id ${parsed.id}` };
      if (entry.revokedAt !== undefined) return { ok: false, reason: `API key "${entry.name}" was revoked` };

      const nowSeconds = Math.floor(Date.now() / 1000);
      let expiresAt = nowSeconds + AUTH_INFO_TTL_SECONDS;
      if (entry.expiresAt !== undefined) {
        const keyExpiry = Math.floor(Date.parse(entry.expiresAt) / 1000);
        if (keyExpiry <= nowSeconds) return { ok: false, reason: `API key "${entry.name}" has expired` };
        expiresAt = Math.min(expiresAt, keyExpiry);
      }

      const principal: Principal = Object.freeze({
        id: `apikey:${entry.name}`,
        scopes: Object.freeze([...entry.scopes]),
        kind: 'apikey' as const,
      });
      return { ok: true, principal, authInfo: authInfoFor(principal, TOKEN_PLACEHOLDER, expiresAt) };
    },

    challenge(tokenWasPresent) {
      return tokenWasPresent ? 'Bearer realm="mcp", error="invalid_token"' : 'Bearer realm="mcp"';
    },
  };
}
