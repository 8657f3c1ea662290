// Renders every valid option combination in memory and checks what a reviewer would: the file list,
// no escaping artefacts or leftover handlebars, every path inside the project, valid JSON, headers.
import { describe, expect, it } from 'vitest';
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import { resolveInside } from '../../src/generate/safe-path.js';
import { allValidSpecs, specLabel } from '../../src/options/matrix.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';

let counter = 0;
/** Repeatable but distinct "random" bytes, so secrets differ between files as they would for real. */
const randomBytes = (n: number) => Buffer.alloc(n, ++counter);
const env = { generatorVersion: '0.0.0-test', randomBytes, now: new Date(0) };

async function render(spec: ProjectSpec) {
  const plan = await planProject(spec, { install: true, git: true }, env);
  const files = await renderPlan(plan, spec, env.generatorVersion);
  return { plan, files: new Map(files.map((f) => [f.path, f])) };
}

const ALWAYS = [
  '.dockerignore', '.env', '.env.example', '.github/workflows/ci.yml', '.gitignore', 'Dockerfile', 'README.md', 'SECURITY.md',
  'package.json', 'secure-mcp.json', 'tsconfig.json', 'src/config.ts', 'src/server.ts', 'src/tools/index.ts', 'src/tools/whoami.ts',
  'src/security/audit.ts', 'src/security/errors.ts', 'src/security/guard.ts', 'src/security/rate-limit.ts', 'src/security/redact.ts',
  'src/cli/audit-verify.ts',
];
const PER_FEATURE: Record<string, { when: (s: ProjectSpec) => boolean; files: string[] }> = {
  stdio: { when: (s) => s.transport === 'stdio' || s.transport === 'both', files: ['src/transports/stdio.ts'] },
  http: { when: (s) => s.transport !== 'stdio', files: ['src/transports/http.ts', 'src/config/http.ts'] },
  apiKey: { when: (s) => s.auth === 'api-key', files: ['src/cli/keys.ts', 'api-keys.json', '.secrets/dev-api-key'] },
  auth: { when: (s) => s.auth !== 'none', files: ['src/security/auth.ts'] },
  redis: { when: (s) => s.rateLimitStore === 'redis', files: ['src/config/redis.ts'] },
  files: { when: (s) => s.tools.includes('files'), files: ['src/tools/files.ts', 'src/security/sandbox.ts'] },
  fetch: { when: (s) => s.tools.includes('fetch'), files: ['src/tools/fetch.ts', 'src/security/ssrf.ts', 'src/config/fetch.ts'] },
};

const specs = allValidSpecs();

describe('the option matrix', () => {
  it('has every combination of the shipped lists', () => {
    expect(specs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(specs.map(specLabel)).size).toBe(specs.length);
  });
});

describe.each(specs.map((spec) => [specLabel(spec), spec] as const))('%s', (_label, spec) => {
  it('has the expected files', async () => {
    const { files } = await render(spec);
    for (const file of ALWAYS) expect(files.has(file), file).toBe(true);
    for (const [feature, rule] of Object.entries(PER_FEATURE)) {
      for (const file of rule.files) expect(files.has(file), `${feature}: ${file}`).toBe(rule.when(spec));
    }
  });

  it('renders no escaping artefacts, no leftover handlebars, only paths inside the project', async () => {
    const { files } = await render(spec);
    for (const [name, file] of files) {
      expect(() => resolveInside('/project', name)).not.toThrow();
      expect(name.endsWith('.hbs'), name).toBe(false);
      const text = file.content.toString('utf8');
      expect(text, name).not.toMatch(/&quot;|&#x27;|&#39;|&#x3D;|&#x60;|&lt;|&gt;|&amp;/);
      // GitHub Actions expressions are the one legitimate `${{ … }}` in rendered output.
      const withoutActions = name.startsWith('.github/') ? text.replace(/\$\{\{[^}]*\}\}/g, '') : text;
      expect(withoutActions, name).not.toContain('{{');
    }
  });

  it('writes valid JSON, records the spec, and keeps the secret 0600', async () => {
    const { files } = await render(spec);
    for (const [name, file] of files) {
      // tsconfig files are JSONC: drop whole-line comments first.
      const json = name.startsWith('tsconfig') ? file.content.toString('utf8').replace(/^\s*\/\/.*$/gm, '') : file.content.toString('utf8');
      if (name.endsWith('.json')) expect(() => JSON.parse(json), name).not.toThrow();
    }
    const manifest = JSON.parse(files.get('secure-mcp.json')?.content.toString('utf8') ?? '');
    expect(manifest).toEqual({ schemaVersion: 1, generatorVersion: env.generatorVersion, spec });
    const pkg = JSON.parse(files.get('package.json')?.content.toString('utf8') ?? '');
    expect(pkg.name).toBe(spec.name);
    for (const range of Object.values({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(range, 'exact pins only').toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(pkg.dependencies['@modelcontextprotocol/sdk']).toBeUndefined();
    expect(files.get('.env')).toMatchObject({ mode: 0o600, secret: true });
    for (const secret of ['api-keys.json', '.secrets/dev-api-key']) {
      if (files.has(secret)) expect(files.get(secret)).toMatchObject({ mode: 0o600, secret: true });
    }
    for (const ignored of ['.env', '.secrets', 'logs', 'api-keys.json']) {
      expect(files.get('.gitignore')?.content.toString('utf8')).toContain(ignored);
      expect(files.get('.dockerignore')?.content.toString('utf8')).toContain(ignored);
    }
  });

  it('every TypeScript file opens with a header comment and uses no unexplained any', async () => {
    const { files } = await render(spec);
    for (const [name, file] of files) {
      if (!name.endsWith('.ts')) continue;
      const text = file.content.toString('utf8');
      expect(text.trimStart(), `${name} header`).toMatch(/^(\/\*\*?|\/\/)/);
      for (const line of text.split('\n')) {
        if (/(:\s*any\b|as any\b|<any>)/.test(line)) expect(line, `${name}: any without a reason`).toMatch(/\/\/|\/\*/);
      }
      // Only the operator CLIs under src/cli/ may print to stdout; a server's stdout is the protocol.
      if (name.startsWith('src/') && !name.startsWith('src/cli/')) {
        expect(text, `${name} writes to stdout`).not.toMatch(/^\s*(console\.(log|info)|process\.stdout\.write)\(/m);
      }
    }
  });
});

describe('handlebars strictness', () => {
  it('a name with quotes or braces cannot break out of package.json', async () => {
    // Names are validated before rendering; the json helper is the second line of defence.
    const spec = { ...specs[0], name: '@a/b' } as ProjectSpec;
    const { files } = await render(spec);
    expect(JSON.parse(files.get('package.json')?.content.toString('utf8') ?? '').name).toBe('@a/b');
  });
});
