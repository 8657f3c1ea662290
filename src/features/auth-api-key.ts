/**
 * API keys: the key store and `npm run keys` come from templates/auth-api-key; this feature also
 * creates a development key so a fresh project can be called at once. Only its SHA-256 lands in
 * api-keys.json; the key itself goes to .secrets/dev-api-key. Both are 0600 and git- and
 * docker-ignored, and the generator prints the path, never the key.
 */
import { createHash } from 'node:crypto';
import { CATALOG } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';
import type { ComputedFile, Feature, FeatureEnv } from './types.js';

export const DEV_KEY_PATH = '.secrets/dev-api-key';
export const API_KEYS_PATH = 'api-keys.json';

/** Scopes a development key gets: every scope the chosen tools declare, except `*:admin`. */
export function devKeyScopes(spec: ProjectSpec): string[] {
  const scopes = CATALOG.tools.filter((t) => spec.tools.includes(t.value as never)).flatMap((t) => t.scopes);
  return [...new Set(scopes)].filter((scope) => !scope.endsWith(':admin')).sort();
}

/** A key in the DESIGN.md §5 format, `smcp_<id>_<secret>`, with its api-keys.json entry. */
export function makeDevKey(spec: ProjectSpec, env: FeatureEnv): { key: string; file: string } {
  const id = env.randomBytes(6).toString('hex');
  const secret = env.randomBytes(32).toString('base64url');
  const key = `smcp_${id}_${secret}`;
  const store = {
    version: 1,
    keys: [
      {
        id,
        name: 'dev',
        hash: `sha256:${createHash('sha256').update(key).digest('hex')}`,
        scopes: devKeyScopes(spec),
        createdAt: env.now.toISOString(),
      },
    ],
  };
  return { key, file: `${JSON.stringify(store, null, 2)}\n` };
}

export const apiKeyFeature: Feature = {
  id: 'auth-api-key',
  templateDir: 'auth-api-key',
  applies: (spec) => spec.auth === 'api-key',
  computedFiles(spec, env): readonly ComputedFile[] {
    const { key, file } = makeDevKey(spec, env);
    return [
      { path: API_KEYS_PATH, content: file, secret: true },
      { path: DEV_KEY_PATH, content: `${key}\n`, secret: true },
    ];
  },
};
