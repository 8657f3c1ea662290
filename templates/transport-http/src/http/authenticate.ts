// Authentication gate for /mcp. Guards against anonymous use: every request must carry a credential
// the Authenticator accepts (auth `none`: the local principal, loopback only), else 401 JSON with the
// authenticator's WWW-Authenticate challenge and one audit line (reason only, never the credential).
// An address that spent its failed-authentication budget (AUTH_FAILURE_POINTS per window, see
// auth-failures.ts) gets 429 with Retry-After before its credential is checked.
// The verified AuthInfo goes to the SDK as req.auth; the principal rides in AuthInfo.extra.
import type { Runtime } from '../runtime.js';
import type { AuthResult, Authenticator } from '../security/authenticator.js';
import type { AttemptPermit, AuthFailureLimiter } from './auth-failures.js';
import type { Middleware } from './chain.js';
import { refuseAudited } from './refusal-audit.js';

export function authenticate(authenticator: Authenticator, runtime: Pick<Runtime, 'audit' | 'logger'>, failures?: AuthFailureLimiter): Middleware {
  return async (req, res, next) => {
    // The failed-authentication budget of the client address (set by the per-IP limit just before).
    const bucket = (res.locals['clientBucket'] as string | undefined) ?? 'unknown';
    let permit: AttemptPermit | undefined;
    if (failures) {
      const attempt = await failures.attempt(bucket);
      if (attempt.allowed) permit = attempt;
      else {
        return refuseAudited(runtime, req, res, { outcome: 'rate_limited', reason: `auth failure limit (${bucket})` }, {
          status: 429,
          message: `Too many failed authentications from this address; retry in ${attempt.retryAfterSeconds} seconds`,
          headers: { 'Retry-After': String(attempt.retryAfterSeconds) },
        });
      }
    }
    let result: AuthResult | undefined;
    try {
      result = await authenticator.authenticate(req);
    } finally {
      // Settled whatever happens: a good credential gives its point back; a bad one, or a throw, keeps it.
      await permit?.settle(result?.ok === true);
    }
    if (!result.ok) {
      return refuseAudited(runtime, req, res, { outcome: 'unauthenticated', reason: result.reason }, {
        status: 401,
        message: 'Unauthorized: a valid credential is required',
        headers: { 'WWW-Authenticate': authenticator.challenge(req.headers.authorization !== undefined) },
      });
    }
    req.auth = result.authInfo;
    res.locals['principal'] = result.principal;
    next();
  };
}
