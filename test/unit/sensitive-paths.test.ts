// Sensitive paths and exposed folders: each feature's config section declares the paths it names that
// hold secrets (sensitivePaths) and the folders its tools hand to clients (exposedFolders); the
// generated src/config/features.ts lists them, so the project's src/config.ts can refuse a sandbox that
// holds a secret without knowing any feature by name.
import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../src/features/index.js';
import type { FeatureEnv } from '../../src/features/types.js';
import { buildSharedFiles, type Contribution } from '../../src/generate/shared-files.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { packageManagerInfo } from '../../src/package-managers.js';

const env: FeatureEnv = { generatorVersion: '0.0.0', randomBytes: (n: number) => Buffer.alloc(n, 1), now: new Date(0) };
const base: ProjectSpec = { name: 'srv', transport: 'both', auth: 'api-key', storage: 'none', tools: ['files'], rateLimitStore: 'memory', packageManager: 'npm', nodeFloor: 22 };

function featuresTs(spec: ProjectSpec): string {
  const contributions: Contribution[] = FEATURES.filter((f) => f.applies(spec)).map((f) => ({ feature: f.id, contributes: f.contributions?.(spec, env) ?? {} }));
  const file = buildSharedFiles(spec, contributions, packageManagerInfo('npm')).files.find((f) => f.path === 'src/config/features.ts');
  return file?.content ?? '';
}

/** The body of one generated function. */
function body(source: string, name: string): string {
  const start = source.indexOf(`export function ${name}(`);
  expect(start).toBeGreaterThan(-1);
  return source.slice(start, source.indexOf('\n}\n', start));
}

describe('sensitive paths and exposed folders in src/config/features.ts', () => {
  it('lists the keys file and the TLS key as sensitive, FILES_ROOT as exposed (api-key + files over HTTP)', () => {
    const source = featuresTs(base);
    expect(source).toContain("import type { NamedPath } from '../security/file-policy.js';");
    const sensitive = body(source, 'featureSensitivePaths');
    expect(sensitive).toContain("const s = config.apiKeys;");
    expect(sensitive).toContain("[['API_KEYS_FILE', s.file]]");
    expect(sensitive).toContain("s.tls ? [['TLS_KEY_FILE', s.tls.keyFile]] : []");
    expect(sensitive).not.toContain('FILES_ROOT');
    const exposed = body(source, 'featureExposedFolders');
    expect(exposed).toContain("const s = config.files;");
    expect(exposed).toContain("[['FILES_ROOT', s.root]]");
    expect(exposed).not.toContain('API_KEYS_FILE');
  });

  it('a project without the files tools exposes no folder; one without HTTP has no sensitive section path', () => {
    expect(body(featuresTs({ ...base, tools: [] }), 'featureExposedFolders')).toContain('return [];');
    const stdio = featuresTs({ ...base, transport: 'stdio', auth: 'none' });
    expect(body(stdio, 'featureSensitivePaths')).toContain('return [];');
    expect(body(stdio, 'featureExposedFolders')).toContain("[['FILES_ROOT', s.root]]");
  });

  it('a project with no config section at all still exports both functions (empty)', () => {
    const source = featuresTs({ ...base, transport: 'stdio', auth: 'none', tools: [] });
    expect(body(source, 'featureSensitivePaths')).toContain('return [];');
    expect(body(source, 'featureExposedFolders')).toContain('return [];');
  });
});
