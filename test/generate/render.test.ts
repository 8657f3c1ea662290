// Renders every valid option combination once, in memory, and checks what a reviewer would: the file
// list, no escaping artefacts or leftover handlebars, every path inside the project, valid JSON,
// headers — and that the generated docs tell the truth about THAT project: every path, script, command
// and variable they name exists in it, the SECURITY.md summary names exactly what was chosen, and no
// file mentions a tool, script, variable or transport the project lacks.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectFromFiles } from '../../src/check/project-view.js';
import { ALL_RULES } from '../../src/check/rules/index.js';
import { runCheck } from '../../src/check/run-check.js';
import { FEATURES } from '../../src/features/index.js';
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import { resolveInside } from '../../src/generate/safe-path.js';
import { TEMPLATES_DIR } from '../../src/generate/templates-dir.js';
import { allValidSpecs, specLabel } from '../../src/options/matrix.js';
import { CATALOG } from '../../src/options/options.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { packageManagerInfo } from '../../src/package-managers.js';
import { docProblems, type RenderedProject } from '../support/doc-claims.js';

let counter = 0;
/** Repeatable but distinct "random" bytes, so secrets differ between files as they would for real. */
const randomBytes = (n: number) => Buffer.alloc(n, ++counter);
const env = { generatorVersion: '0.0.0-test', randomBytes, now: new Date(0) };

async function render(spec: ProjectSpec): Promise<RenderedProject> {
  const plan = await planProject(spec, { install: true, git: true }, env);
  const files = await renderPlan(plan, spec, env.generatorVersion);
  return { spec, features: plan.features, files: new Map(files.map((f) => [f.path, f])) };
}

const ALWAYS = [
  '.dockerignore', '.env', '.env.example', '.github/workflows/ci.yml', '.gitignore', 'Dockerfile', 'README.md', 'SECURITY.md',
  'package.json', 'scripts/bundle.mjs', 'secure-mcp.json', 'tsconfig.json', 'src/config.ts', 'src/config/features.ts', 'src/server.ts', 'src/tools/index.ts',
  'src/tools/whoami.ts', 'src/security/audit.ts', 'src/security/errors.ts', 'src/security/guard.ts', 'src/security/rate-limit.ts',
  'src/security/rate-limit-store.ts', 'src/security/redact.ts', 'src/cli/audit-verify.ts', 'test/feature-env.ts', 'test/fuzz-tools.test.ts',
  'src/compile-cache.ts', 'src/stack-traces.ts', 'test/compile-cache.test.ts', 'test/stack-traces.test.ts',
];
const PER_FEATURE: Record<string, { when: (s: ProjectSpec) => boolean; files: string[] }> = {
  stdio: { when: (s) => s.transport === 'stdio' || s.transport === 'both', files: ['src/transports/stdio.ts'] },
  http: { when: (s) => s.transport !== 'stdio', files: ['src/transports/http.ts', 'src/config/http.ts', 'src/http/select-authenticator.ts', 'test/fuzz-http.test.ts'] },
  apiKey: { when: (s) => s.auth === 'api-key', files: ['src/cli/keys.ts', 'api-keys.json', '.secrets/dev-api-key', 'src/config/api-keys.ts'] },
  auth: { when: (s) => s.auth !== 'none', files: ['src/security/auth.ts'] },
  oauth: { when: (s) => s.auth === 'oauth', files: ['src/config/oauth.ts'] },
  redis: { when: (s) => s.rateLimitStore === 'redis', files: ['src/config/redis.ts', 'src/security/rate-limit-redis.ts'] },
  files: { when: (s) => s.tools.includes('files'), files: ['src/tools/files.ts', 'src/security/sandbox.ts', 'src/config/files.ts'] },
  fetch: { when: (s) => s.tools.includes('fetch'), files: ['src/tools/fetch.ts', 'src/security/ssrf.ts', 'src/config/fetch.ts'] },
  // Storage without the notes tools still ships the storage layer (for the project's own tools).
  storage: {
    when: (s) => s.storage !== 'none',
    files: ['src/storage/storage.ts', 'src/storage/schema.ts', 'src/storage/migrate.ts', 'src/storage/migrations/0001-notes.ts', 'src/cli/db-migrate.ts', 'test/storage.test.ts', 'test/fixtures/db-tools.ts'],
  },
  sqlite: { when: (s) => s.storage === 'sqlite', files: ['src/storage/sqlite.ts', 'src/config/sqlite.ts', 'test/storage-sqlite.test.ts'] },
  postgres: { when: (s) => s.storage === 'postgres', files: ['src/storage/postgres.ts', 'src/config/postgres.ts', 'test/storage-postgres.test.ts', 'test/postgres-setup.ts'] },
  notes: {
    when: (s) => s.tools.includes('notes'),
    files: ['src/tools/notes.ts', 'src/storage/notes-repository.ts', 'src/security/cursor.ts', 'test/notes.test.ts', 'test/notes-injection.test.ts'],
  },
};

const specs = allValidSpecs();
const rendered = new Map<string, RenderedProject>();
beforeAll(async () => {
  for (const spec of specs) rendered.set(specLabel(spec), await render(spec));
});
const project = (spec: ProjectSpec): RenderedProject => rendered.get(specLabel(spec)) as RenderedProject;
const text = (p: RenderedProject, name: string): string => p.files.get(name)?.content.toString('utf8') ?? '';

describe('the option matrix', () => {
  it('has every combination of the shipped lists, each once', () => {
    // Tool sets per storage: every subset of the catalog, but with storage none only tools that need no storage.
    const toolSubsets = CATALOG.storages.reduce((n, s) => n + 2 ** CATALOG.tools.filter((t) => s.value !== 'none' || !t.needsStorage).length, 0);
    // stdio: one auth (none), one store (memory); http and both: every auth × every store.
    const expected = toolSubsets * (1 + 2 * CATALOG.auths.length * CATALOG.rateLimitStores.length);
    expect(specs.length).toBe(expected);
    expect(new Set(specs.map(specLabel)).size).toBe(specs.length);
  });

  it('shared templates hold no conditional about another feature: features fill their slots instead', () => {
    const base = path.join(TEMPLATES_DIR, 'base');
    const templates = readdirSync(base, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hbs') && !f.startsWith('sections'));
    expect(templates.length).toBeGreaterThan(0);
    for (const file of templates) {
      const source = readFileSync(path.join(base, file), 'utf8');
      expect(source, file).not.toMatch(/\bhas\.|\bspec\.(transport|auth|tools|rateLimitStore|storage)\b/);
    }
  });

  it('templates/add-tool is no feature\'s folder: add tool renders it, a created project never holds it', () => {
    expect(FEATURES.map((f) => f.templateDir)).not.toContain('add-tool');
    for (const spec of specs) {
      const { files } = project(spec);
      // The markers add tool inserts above: each exactly once, where the generator put it.
      const index = text(project(spec), 'src/tools/index.ts');
      expect(index.match(/^\/\/ create-secure-mcp add tool: imports above this line$/gm)).toHaveLength(1);
      expect(index.match(/^ {4}\/\/ create-secure-mcp add tool: tools above this line\n {2}\];$/gm)).toHaveLength(1);
      const readme = text(project(spec), 'README.md');
      expect(readme.match(/^\| `[a-z_]+` \|.*\|\n<!-- create-secure-mcp: tool rows above -->$/gm), 'the marker follows the last row of the tool table').toHaveLength(1);
      expect(text(project(spec), 'SECURITY.md').match(/^- \*\*Tools:\*\* `whoami`.*\.$/gm)).toHaveLength(1);
      for (const name of files.keys()) expect(name.startsWith('tool.') || name.includes('add-tool'), name).toBe(false);
    }
  });

  it('every feature has a has-flag, derived from its own applies rule', () => {
    for (const spec of specs) {
      const features = project(spec).features;
      expect(features).toEqual(FEATURES.filter((f) => f.applies(spec)).map((f) => f.id));
    }
  });
});

describe.each(specs.map((spec) => [specLabel(spec), spec] as const))('%s', (_label, spec) => {
  it('has the expected files', () => {
    const { files } = project(spec);
    for (const file of ALWAYS) expect(files.has(file), file).toBe(true);
    for (const [feature, rule] of Object.entries(PER_FEATURE)) {
      for (const file of rule.files) expect(files.has(file), `${feature}: ${file}`).toBe(rule.when(spec));
    }
  });

  it('renders no escaping artefacts, no leftover handlebars or slots, only paths inside the project', () => {
    for (const [name, file] of project(spec).files) {
      expect(() => resolveInside('/project', name)).not.toThrow();
      expect(name.endsWith('.hbs'), name).toBe(false);
      expect(name.startsWith('sections/'), name).toBe(false);
      const content = file.content.toString('utf8');
      expect(content, name).not.toMatch(/&quot;|&#x27;|&#39;|&#x3D;|&#x60;|&lt;|&gt;|&amp;/);
      expect(content, name).not.toMatch(/\u0000|^@@slot /m);
      // GitHub Actions expressions are the one legitimate `${{ … }}` in rendered output.
      const withoutActions = name.startsWith('.github/') ? content.replace(/\$\{\{[^}]*\}\}/g, '') : content;
      expect(withoutActions, name).not.toContain('{{');
    }
  });

  it('writes valid JSON, records the spec, pins exactly, and keeps secrets 0600 and ignored', () => {
    const p = project(spec);
    for (const [name, file] of p.files) {
      // tsconfig files are JSONC: drop whole-line comments first.
      const json = name.startsWith('tsconfig') ? file.content.toString('utf8').replace(/^\s*\/\/.*$/gm, '') : file.content.toString('utf8');
      if (name.endsWith('.json')) expect(() => JSON.parse(json), name).not.toThrow();
    }
    expect(JSON.parse(text(p, 'secure-mcp.json'))).toEqual({ schemaVersion: 1, generatorVersion: env.generatorVersion, spec });
    const pkg = JSON.parse(text(p, 'package.json'));
    expect(pkg.name).toBe(spec.name);
    for (const range of Object.values({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(range, 'exact pins only').toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(pkg.dependencies['@modelcontextprotocol/sdk']).toBeUndefined();
    expect(pkg.scripts.start).toBe(spec.transport === 'stdio' ? 'node dist/transports/stdio.js' : 'node dist/transports/http.js');
    expect(Object.values(pkg.scripts).join('\n'), 'scripts never assume npm').not.toMatch(/\bnpm\b/);
    expect(p.files.get('.env')).toMatchObject({ mode: 0o600, secret: true });
    for (const secret of ['api-keys.json', '.secrets/dev-api-key']) {
      if (p.files.has(secret)) {
        expect(p.files.get(secret)).toMatchObject({ mode: 0o600, secret: true });
        expect(text(p, '.gitignore'), secret).toContain(secret.split('/')[0]);
        expect(text(p, '.dockerignore'), secret).toContain(secret.split('/')[0]);
      }
    }
    for (const ignored of ['.env', '.secrets', 'logs']) {
      expect(text(p, '.gitignore')).toContain(ignored);
      expect(text(p, '.dockerignore')).toContain(ignored);
    }
    // The SQLite database folder (SQLITE_PATH's default ./data/app.db) is never committed nor baked into an image.
    const lines = (name: string) => text(p, name).split('\n').map((l) => l.trim());
    expect(lines('.gitignore').includes('data/'), '.gitignore: data/').toBe(spec.storage === 'sqlite');
    expect(lines('.dockerignore').includes('data'), '.dockerignore: data').toBe(spec.storage === 'sqlite');
    expect('db:migrate' in pkg.scripts, 'db:migrate').toBe(spec.storage !== 'none');
  });

  it('every TypeScript file opens with a header comment and uses no unexplained any', () => {
    for (const [name, file] of project(spec).files) {
      if (!name.endsWith('.ts')) continue;
      const content = file.content.toString('utf8');
      expect(content.trimStart(), `${name} header`).toMatch(/^(\/\*\*?|\/\/)/);
      for (const line of content.split('\n')) {
        if (/(:\s*any\b|as any\b|<any>)/.test(line)) expect(line, `${name}: any without a reason`).toMatch(/\/\/|\/\*/);
      }
      // Only the operator CLIs under src/cli/ may print to stdout; a server's stdout is the protocol.
      if (name.startsWith('src/') && !name.startsWith('src/cli/')) {
        expect(content, `${name} writes to stdout`).not.toMatch(/^\s*(console\.(log|info)|process\.stdout\.write)\(/m);
      }
      // `import { z }` binds zod's whole namespace as a value: the bundle then keeps all of zod (its 40
      // locales too, ~470 KB more to compile at every start); `import * as z` lets esbuild drop the unused.
      expect(content, `${name} imports zod as a value binding`).not.toMatch(/^import \{[^}]*\bz\b[^}]*\} from 'zod/);
    }
  });

  it('docs tell the truth about this project: what they name exists, nothing absent is mentioned', () => {
    expect(docProblems(project(spec), [...rendered.values()])).toEqual([]);
  });

  it('commands use the project\'s package manager', () => {
    const p = project(spec);
    const pm = packageManagerInfo(spec.packageManager);
    expect(text(p, 'README.md')).toContain(pm.run('test'));
  });

  it('passes create-secure-mcp check with no failure (in memory: offline, not installed)', async () => {
    const p = project(spec);
    const report = await runCheck(projectFromFiles(new Map([...p.files].map(([name, file]) => [name, file.content]))), { now: new Date('2026-12-02T00:00:00Z'), offline: true, auditKey: undefined }, ALL_RULES, '0.0.0-test');
    expect(report.items.filter((item) => item.status === 'fail').map((item) => `${item.id}: ${item.message} ${JSON.stringify(item.evidence.slice(0, 2))}`)).toEqual([]);
  });
});

describe('package managers', () => {
  it.each(CATALOG.packageManagers.map((c) => c.value))('%s: docs name only its own commands', async (pm) => {
    const spec = { ...specs[specs.length - 1], packageManager: pm } as ProjectSpec;
    const p = await render(spec);
    expect(docProblems(p, [...rendered.values()])).toEqual([]);
    expect(text(p, 'README.md')).toContain(packageManagerInfo(spec.packageManager).run('test'));
  });
});

describe('handlebars strictness', () => {
  it('a name with quotes or braces cannot break out of package.json, JSON in docs, or become a template', async () => {
    // Names are validated before rendering; the json helper and code-built JSON are the second line.
    const hostile = '@a/b"},"x":"{{name}}\\';
    const spec = { ...specs[specs.length - 1], name: hostile } as ProjectSpec;
    const p = await render(spec);
    expect(JSON.parse(text(p, 'package.json')).name).toBe(hostile);
    expect(JSON.parse(text(p, 'secure-mcp.json')).spec.name).toBe(hostile);
    // Handlebars never evaluates a value as a template: the braces arrive as written.
    expect(text(p, 'README.md')).toContain(`# ${hostile}\n`);
  });
});

describe('every operating system (docs/platforms.md)', () => {
  // npm runs scripts with sh on Linux and macOS and with cmd.exe on Windows: only syntax both read alike.
  const POSIX_ONLY: ReadonlyArray<readonly [RegExp, string]> = [
    [/(^|&&\s*|\s)[A-Z_][A-Z0-9_]*=\S*\s+\S/, 'a VAR=value prefix (cmd.exe runs it as a command)'],
    [/\$\{?[A-Za-z_]/, 'a $VARIABLE (cmd.exe writes %VARIABLE%)'],
    [/'/, 'single quotes (cmd.exe passes them through)'],
    [/(^|[\s;&|])(rm|cp|mv|mkdir|chmod|ln|cat|export|test)\s/, 'a POSIX command that cmd.exe lacks'],
    [/(^|[^&])&([^&]|$)|;|\|\||\\$|`/, 'shell syntax other than &&'],
  ];
  it.each(specs.map((spec) => [specLabel(spec), spec] as const))('%s: package.json scripts run under sh and cmd.exe alike', (_label, spec) => {
    const scripts = (JSON.parse(text(project(spec), 'package.json')) as { scripts: Record<string, string> }).scripts;
    const problems = Object.entries(scripts).flatMap(([name, command]) =>
      POSIX_ONLY.filter(([pattern]) => pattern.test(command)).map(([, what]) => `${name}: ${what}: ${command}`),
    );
    expect(problems).toEqual([]);
  });

  it('the pattern list catches what breaks on Windows (so the test above is not vacuous)', () => {
    const caught = (command: string): boolean => POSIX_ONLY.some(([pattern]) => pattern.test(command));
    for (const bad of ['NODE_ENV=production node dist/x.js', 'rm -rf dist && tsc', "node -e 'x'", 'node $HOME/x.js', 'tsc; vitest', 'cp a b']) {
      expect(caught(bad), bad).toBe(true);
    }
    for (const good of ['tsc -p tsconfig.build.json && vitest run', 'node dist/cli/keys.js', 'npx --yes create-secure-mcp@1.0.0 add tool']) {
      expect(caught(good), good).toBe(false);
    }
  });
});
