// The authenticator of this project's HTTP transport: auth `none`. Guards against a deployment silently
// running without authentication: every request acts as the local identity (LOCAL_PRINCIPAL with
// LOCAL_SCOPES), and src/config/http.ts refuses to start on any non-loopback HOST.
import type { Runtime } from '../runtime.js';
import { createLocalAuthenticator, type Authenticator } from '../security/authenticator.js';

export const AUTH_MODE = 'none' as 'none' | 'api-key' | 'oauth';

export function selectAuthenticator(runtime: Runtime): Authenticator {
  return createLocalAuthenticator(runtime.localPrincipal);
}
