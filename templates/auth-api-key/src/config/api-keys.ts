// Config section for API-key auth. Guards against a keys file that silently depends on the working
// directory (a relative API_KEYS_FILE resolves from the project root) and against odd paths.
import path from 'node:path';

export interface ApiKeysConfig {
  /** API_KEYS_FILE, absolute. Default `<projectRoot>/api-keys.json`. */
  file: string;
}

/** Always returns a section; a bad value is pushed to `problems` (config.ts then refuses to start). */
export function parseApiKeysConfig(env: Record<string, string | undefined>, ctx: { root: string; problems: string[] }): ApiKeysConfig {
  let raw = env['API_KEYS_FILE']?.trim() || './api-keys.json';
  if (raw.length > 4096 || raw.includes('\0')) {
    ctx.problems.push('API_KEYS_FILE must be a file path (at most 4096 characters, no NUL)');
    raw = './api-keys.json';
  }
  return Object.freeze({ file: path.resolve(ctx.root, raw) });
}
