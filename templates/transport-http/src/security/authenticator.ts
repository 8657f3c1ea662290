// The authentication contract of the HTTP transport. Guards against an identity that does not come
// from a verified credential: the HTTP layer accepts a principal only from an Authenticator, carries
// it to the tools inside AuthInfo.extra (never a header the client controls), and the local
// authenticator (auth `none`) is only ever wired on a loopback bind (config refuses anything else).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Principal } from './authz.js';

export { principalFromAuthInfo } from './authz.js';

/** A public route's answer on raw node:http (answer with sendJson from src/http/respond.ts). */
export type PublicRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type AuthResult =
  | { ok: true; principal: Principal; authInfo: AuthInfo }
  /** `reason` goes to the audit log: never the credential itself. */
  | { ok: false; reason: string };

export interface Authenticator {
  authenticate(req: IncomingMessage): Promise<AuthResult>;
  /** WWW-Authenticate value of a 401. */
  challenge(tokenWasPresent: boolean): string;
  /**
   * Extra public GET (and HEAD) routes, exact path → handler (e.g. the OAuth protected-resource
   * metadata). Framework-free: the HTTP app (src/http/app.ts, PUBLIC ROUTES) serves them after its
   * controls but without authentication; never /mcp.
   */
  routes?(): Record<string, PublicRoute>;
  close?(): void;
}

/** The AuthInfo the SDK needs (numeric expiresAt, scopes), carrying the principal in `extra`. */
export function authInfoFor(principal: Principal, token: string, expiresAtSeconds: number, extra: Omit<AuthInfo, 'token' | 'clientId' | 'scopes' | 'expiresAt' | 'extra'> = {}): AuthInfo {
  return { ...extra, token, clientId: principal.id, scopes: [...principal.scopes], expiresAt: expiresAtSeconds, extra: { principal } };
}

/** Auth `none`: every request acts as LOCAL_PRINCIPAL with LOCAL_SCOPES. Loopback binds only. */
export function createLocalAuthenticator(principal: Principal): Authenticator {
  return {
    async authenticate() {
      // expiresAt: the SDK refuses AuthInfo without one; an hour ahead, recomputed per request.
      return { ok: true, principal, authInfo: authInfoFor(principal, '', Math.floor(Date.now() / 1000) + 3600) };
    },
    challenge: () => 'Bearer realm="mcp"',
  };
}
