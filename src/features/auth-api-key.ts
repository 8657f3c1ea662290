/**
 * API keys: the key store and `npm run keys` come from templates/auth-api-key; this feature also
 * creates a development key so a fresh project can be called at once. Only its SHA-256 lands in
 * api-keys.json; the key itself goes to .secrets/dev-api-key. Both are 0600 and git- and
 * docker-ignored, and the generator prints the path, never the key.
 */
import { createHash } from 'node:crypto';
import { servesHttp } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';
import { defaultLocalScopes } from './local-identity.js';
import type { ComputedFile, Feature, FeatureEnv } from './types.js';

export const DEV_KEY_PATH = '.secrets/dev-api-key';
export const API_KEYS_PATH = 'api-keys.json';


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
        // Every scope the chosen tools declare, except `*:admin`: the same grant as the local identity.
        scopes: defaultLocalScopes(spec),
        createdAt: env.now.toISOString(),
      },
    ],
  };
  return { key, file: `${JSON.stringify(store, null, 2)}\n` };
}

export const apiKeyFeature: Feature = {
  id: 'apiKey',
  templateDir: 'auth-api-key',
  applies: (spec) => servesHttp(spec.transport) && spec.auth === 'api-key',
  contributions: () => ({
    scripts: { keys: 'node dist/cli/keys.js' },
    config: {
      key: 'apiKeys',
      module: 'api-keys',
      parse: 'parseApiKeysConfig',
      type: 'ApiKeysConfig',
      doc: 'API-key auth (API_KEYS_FILE).',
      sensitivePaths: "[['API_KEYS_FILE', s.file]]",
    },
    env: [
      {
        comment: [
          'API keys: the file of hashed keys (SHA-256 only, never a key), written by the keys script',
          '(create | list | revoke) atomically with mode 0600. A revoke counts from the next request, no',
          'restart. A file others can WRITE, or another user owns, or in a folder another user owns or',
          'group/others can write, stops the server; one others can only read is warned about.',
          `The development key the generator made is in ${DEV_KEY_PATH} (git-ignored).`,
        ],
        variables: [
          {
            name: 'API_KEYS_FILE',
            meaning: 'hashed API keys (SHA-256 only), managed with the `keys` script; mode 0600, owned by the server\'s user, in a folder only it can write (otherwise the server will not start)',
            default: '`./api-keys.json`',
            example: './api-keys.json',
          },
        ],
      },
    ],
    testEnv: {
      imports: ["import path from 'node:path';"],
      perServer: ['// A fresh keys file per test server: a test never reads the project\'s own api-keys.json.', "API_KEYS_FILE: path.join(dir, 'api-keys.json')"],
    },
    gitignore: ['', '# API keys: hashes and their lock/temp files (the dev key itself is in .secrets/).', 'api-keys.json', 'api-keys.json.lock', '.api-keys.json.*.tmp'],
    dockerignore: ['# API keys (mount api-keys.json at run time)', 'api-keys.json', 'api-keys.json.lock', '.api-keys.json.*.tmp'],
  }),
  computedFiles(spec, env): readonly ComputedFile[] {
    const { key, file } = makeDevKey(spec, env);
    return [
      { path: API_KEYS_PATH, content: file, secret: true },
      { path: DEV_KEY_PATH, content: `${key}\n`, secret: true },
    ];
  },
};
