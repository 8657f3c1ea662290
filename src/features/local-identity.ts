/**
 * The local identity (LOCAL_PRINCIPAL, LOCAL_SCOPES): who a call runs as when no credential is asked —
 * every call over stdio, and every HTTP call with auth `none`. No files of its own; it documents the two
 * variables only in projects where some call uses them.
 */
import { CATALOG, servesHttp } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';
import type { Feature } from './types.js';

/** Scopes the project's tools declare, minus `*:admin`: the default LOCAL_SCOPES grant. */
export function defaultLocalScopes(spec: ProjectSpec): string[] {
  const scopes = CATALOG.tools.filter((t) => (spec.tools as readonly string[]).includes(t.value)).flatMap((t) => t.scopes);
  return [...new Set(scopes)].filter((scope) => !scope.endsWith(':admin')).sort();
}

function callers(spec: ProjectSpec): string {
  const stdio = spec.transport !== 'http';
  const httpNone = servesHttp(spec.transport) && spec.auth === 'none';
  if (stdio && httpNone) return 'every call over stdio and every HTTP call (auth none)';
  return stdio ? 'every call over stdio' : 'every HTTP call (auth none: no credential is asked)';
}

export const localIdentityFeature: Feature = {
  id: 'localIdentity',
  applies: (spec) => spec.transport !== 'http' || spec.auth === 'none',
  contributions(spec) {
    const scopes = defaultLocalScopes(spec);
    const here = scopes.length > 0 ? `here: ${scopes.join(', ')}` : 'here: none, the tools declare no scope';
    return {
      env: [
        {
          comment: [
            `The identity of ${callers(spec)}, and its scopes. LOCAL_SCOPES: comma- or space-separated;`,
            `unset = every scope the tools declare except *:admin (${here}); set but empty = no scopes at all.`,
          ],
          variables: [
            { name: 'LOCAL_PRINCIPAL', meaning: `the identity of ${callers(spec)}`, default: '`local`', example: 'local' },
            {
              name: 'LOCAL_SCOPES',
              meaning: 'the scopes that identity holds (comma or space separated); set but empty = none',
              default: `every scope the tools declare, except \`*:admin\` (${here})`,
              example: scopes.join(','),
            },
          ],
        },
      ],
    };
  },
};
