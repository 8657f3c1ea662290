// Authorization: the one place scopes are checked. Guards against a tool running for a principal that
// was not granted its scopes. Identity arrives through the call context (never a global), so stdio,
// API keys and OAuth all feed the same check.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Config } from '../config.js';

export interface Principal {
  /** Stable id: LOCAL_PRINCIPAL on stdio (and HTTP with auth none), `apikey:<name>`, `oauth:<issuer>#<sub>`. */
  id: string;
  scopes: readonly string[];
  kind: 'local' | 'apikey' | 'oauth';
}

/** The scopes in `required` the principal lacks (exact match; no wildcards). */
export function missingScopes(principal: Principal, required: readonly string[]): string[] {
  const granted = new Set(principal.scopes);
  return required.filter((scope) => !granted.has(scope));
}

export function denialText(tool: string, missing: readonly string[]): string {
  const list = missing.map((s) => `"${s}"`).join(', ');
  return `Forbidden: tool "${tool}" requires the scope${missing.length > 1 ? 's' : ''} ${list}, which the caller does not have.`;
}

/** Every scope the tools declare; the default grant leaves out `*:admin` scopes. */
export function defaultScopes(declared: Iterable<string>): string[] {
  return [...new Set(declared)].filter((scope) => !scope.endsWith(':admin')).sort();
}

/** The stdio identity: LOCAL_PRINCIPAL with LOCAL_SCOPES (or the default grant). */
export function localPrincipal(config: Config, declaredScopes: Iterable<string>): Principal {
  return Object.freeze({
    id: config.localPrincipal,
    scopes: Object.freeze([...(config.localScopes ?? defaultScopes(declaredScopes))]),
    kind: 'local' as const,
  });
}

/** HTTP: the principal an Authenticator put into AuthInfo.extra; undefined when absent or malformed (fail closed). */
export function principalFromAuthInfo(authInfo: AuthInfo | undefined): Principal | undefined {
  const candidate = authInfo?.extra?.['principal'] as Partial<Principal> | undefined;
  if (!candidate || typeof candidate.id !== 'string' || !Array.isArray(candidate.scopes)) return undefined;
  return candidate as Principal;
}
