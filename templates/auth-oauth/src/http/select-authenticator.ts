// The authenticator of this project's HTTP transport: auth `oauth`. Guards against a deployment silently
// running without authentication: every request to /mcp must carry a credential that
// src/security/auth.ts verifies.
import type { Runtime } from '../runtime.js';
import type { Authenticator } from '../security/authenticator.js';
import { createAuthenticator } from '../security/auth.js';

export const AUTH_MODE = 'oauth' as 'none' | 'api-key' | 'oauth';

export function selectAuthenticator(runtime: Runtime): Authenticator {
  return createAuthenticator(runtime.config, runtime.logger);
}
