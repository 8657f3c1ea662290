/**
 * Every project: package.json, config, guard, audit log, whoami, docs, CI, Dockerfile — plus the two
 * files computed here: secure-mcp.json (what `add` and `check` read) and .env holding a fresh random
 * AUDIT_HMAC_KEY, so a new project starts with no manual step and no shared key.
 */
import { MANIFEST_SCHEMA_VERSION, type Manifest } from '../options/project-spec.js';
import type { Feature } from './types.js';

export const baseFeature: Feature = {
  id: 'base',
  templateDir: 'base',
  applies: () => true,
  computedFiles(spec, env) {
    const manifest: Manifest = { schemaVersion: MANIFEST_SCHEMA_VERSION, generatorVersion: env.generatorVersion, spec };
    const lines = [
      '# Local settings and secrets of this project. Git-ignored: never commit this file.',
      '# Every variable is documented in .env.example. Created by create-secure-mcp.',
      '',
      '# Key of the audit log\'s HMAC chain (32 random bytes). Rotating it starts a new log file.',
      `AUDIT_HMAC_KEY=${env.randomBytes(32).toString('base64url')}`,
    ];
    if (spec.rateLimitStore === 'redis') {
      lines.push('', '# Shared rate-limit counters (a local Redis for development).', 'REDIS_URL=redis://127.0.0.1:6379');
    }
    if (spec.auth === 'oauth') {
      lines.push('', '# The authorization server whose access tokens this server accepts (required).', '# OAUTH_ISSUER=https://auth.example.com');
    }
    const dotenv = `${lines.join('\n')}\n`;
    return [
      { path: 'secure-mcp.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
      { path: '.env', content: dotenv, secret: true },
    ];
  },
};
