// Authentication gate for /mcp. Guards against anonymous use: every request must carry a credential
// the Authenticator accepts (auth `none`: the local principal, loopback only), else 401 JSON with the
// authenticator's WWW-Authenticate challenge and one audit line (reason only, never the credential).
// The verified AuthInfo goes to the SDK as req.auth; the principal rides in AuthInfo.extra.
import type { Runtime } from '../runtime.js';
import type { Authenticator } from '../security/authenticator.js';
import type { Middleware } from './chain.js';
import { auditRefusal } from './refusal-audit.js';
import { sendError } from './respond.js';

export function authenticate(authenticator: Authenticator, runtime: Pick<Runtime, 'audit' | 'logger'>): Middleware {
  return async (req, res, next) => {
    const result = await authenticator.authenticate(req);
    if (!result.ok) {
      if (!auditRefusal(runtime, req, 'unauthenticated', result.reason)) return sendError(res, 500, 'Internal error');
      return sendError(res, 401, 'Unauthorized: a valid credential is required', {
        headers: { 'WWW-Authenticate': authenticator.challenge(req.headers.authorization !== undefined) },
      });
    }
    req.auth = result.authInfo;
    res.locals['principal'] = result.principal;
    next();
  };
}
