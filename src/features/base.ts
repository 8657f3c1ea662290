/**
 * Every project: package.json, config, guard, audit log, whoami, docs, CI, Dockerfile — plus the two
 * files computed here: secure-mcp.json (what `add` and `check` read) and .env holding a fresh random
 * AUDIT_HMAC_KEY, so a new project starts with no manual step and no shared key.
 */
import { MANIFEST_SCHEMA_VERSION, type Manifest } from '../spec/spec.js';
import type { Feature } from './types.js';

export const baseFeature: Feature = {
  id: 'base',
  templateDir: 'base',
  applies: () => true,
  computedFiles(spec, env) {
    const manifest: Manifest = { schemaVersion: MANIFEST_SCHEMA_VERSION, generatorVersion: env.generatorVersion, spec };
    const dotenv = [
      '# Local settings and secrets of this project. Git-ignored: never commit this file.',
      '# Every variable is documented in .env.example. Created by create-secure-mcp.',
      '',
      '# Key of the audit log\'s HMAC chain (32 random bytes). Rotating it starts a new log file.',
      `AUDIT_HMAC_KEY=${env.randomSecret(32)}`,
      '',
    ].join('\n');
    return [
      { path: 'secure-mcp.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
      { path: '.env', content: dotenv, secret: true },
    ];
  },
};
