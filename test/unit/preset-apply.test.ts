// A team preset applied to a run: its options are taken as given (never asked), its locks refuse a flag
// that changes them (naming the preset), and its files replace or add files of the plan — a security core
// file only with allowCoreOverrides, and then listed in SECURITY.md; secrets and the manifest never.
import { beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import { CATALOG } from '../../src/options/options.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { type Asker, resolveSpec } from '../../src/options/resolve.js';
import { applyPresetFiles, isCorePath } from '../../src/presets/apply-files.js';
import { applyPresetOptions } from '../../src/presets/apply-options.js';
import type { Preset, PresetFile } from '../../src/presets/preset-types.js';

const base = { name: 'acme-mcp', version: '1.2.0' } as const;

function preset(overrides: Partial<Preset> = {}): Preset {
  return {
    ...base,
    options: {},
    locked: [],
    files: [],
    allowCoreOverrides: false,
    addTool: {},
    hash: 'sha256:' + '0'.repeat(64),
    origin: { kind: 'file', path: '/presets/acme.json' },
    ...overrides,
  };
}

const file = (path: string, content: string, render = false): PresetFile => ({ path, content: Buffer.from(content), render });

function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected a refusal');
}

async function asyncRefusal(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

function recordingAsker(answers: Record<string, string | string[]>): Asker & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async select(q) {
      asked.push(q.key);
      return answers[q.key] as string;
    },
    async multiselect(q) {
      asked.push(q.key);
      return answers[q.key] as string[];
    },
  };
}

const ctx = { catalog: CATALOG, yes: false, defaultName: 'srv', detectedPackageManager: 'npm' } as const;

describe('preset options', () => {
  it('fill what no flag gave; a flag wins over an unlocked value', () => {
    const p = preset({ options: { transport: 'http', auth: 'oauth', tools: ['files'], 'rate-limit-store': 'redis' } });
    expect(applyPresetOptions({ auth: 'api-key' }, p)).toEqual({ transport: 'http', auth: 'api-key', tools: ['files'], rateLimitStore: 'redis' });
  });

  it('refuse a flag that changes a locked option, naming the option, the value and the preset (exit 1)', () => {
    const p = preset({ options: { transport: 'http', tools: ['files', 'fetch'] }, locked: ['transport', 'tools'] });
    const error = refusal(() => applyPresetOptions({ transport: 'stdio' }, p));
    expect(error.message).toBe('--transport is locked to http by the preset acme-mcp@1.2.0; --transport stdio is not allowed.');
    expect(error.exitCode).toBe(1);
    expect(error.hint).toContain('Drop --transport');
    expect(refusal(() => applyPresetOptions({ tools: ['files'] }, p)).message).toContain('--tools is locked to files,fetch');
    // The same value is no change: accepted (order and repeats of a list aside).
    expect(applyPresetOptions({ transport: 'http', tools: ['fetch', 'files', 'files'] }, p).transport).toBe('http');
  });

  it('are never asked, locked or not; only what the preset leaves open is', async () => {
    const p = preset({ options: { transport: 'http', auth: 'oauth', storage: 'none' }, locked: ['auth'] });
    const asker = recordingAsker({ tools: ['files'], rateLimitStore: 'memory' });
    const spec = await resolveSpec({}, { ...ctx, ask: asker, preset: p });
    expect(asker.asked).toEqual(['tools', 'rateLimitStore']);
    expect(spec).toMatchObject({ transport: 'http', auth: 'oauth', storage: 'none', tools: ['files'], rateLimitStore: 'memory' });
  });

  it('without a terminal, count as given: only values neither flag nor preset set are reported missing', async () => {
    const p = preset({ options: { transport: 'stdio', storage: 'none' } });
    const error = await asyncRefusal(resolveSpec({}, { ...ctx, preset: p }));
    expect(error.message).toBe('Cannot ask questions without a terminal; still needed: --tools.');
  });

  it('an HTTP-only value of the preset does not apply when the run chose stdio (only a flag is refused)', async () => {
    const p = preset({ options: { auth: 'oauth', 'rate-limit-store': 'redis' }, locked: ['auth'] });
    const spec = await resolveSpec({ transport: 'stdio', storage: 'none', tools: ['files'] }, { ...ctx, preset: p });
    expect(spec).toMatchObject({ transport: 'stdio', auth: 'none', rateLimitStore: 'memory' });
    const error = await asyncRefusal(resolveSpec({ transport: 'stdio', auth: 'oauth', storage: 'none', tools: ['files'] }, { ...ctx, preset: p }));
    expect(error.message).toContain('--auth does not apply to --transport stdio');
  });
});

describe('preset files', () => {
  const spec: ProjectSpec = { name: 'srv', transport: 'both', auth: 'api-key', storage: 'sqlite', tools: ['files', 'notes'], rateLimitStore: 'memory', packageManager: 'npm', nodeFloor: 22 };
  let counter = 0;
  const env = { generatorVersion: '0.0.0-test', randomBytes: (n: number) => Buffer.alloc(n, ++counter), now: new Date(0) };
  const plan = () => planProject(spec, { install: false, git: false }, env);
  let plan0: Awaited<ReturnType<typeof plan>>;
  beforeAll(async () => {
    plan0 = await plan();
  });

  it('core paths: the controls, config, transports, data layer, tests, ignore files, image, SECURITY.md', () => {
    for (const p of ['src/security/sandbox.ts', 'src/config.ts', 'src/config/http.ts', 'src/transports/stdio.ts', 'src/http/app.ts', 'src/storage/sqlite.ts', 'test/sandbox.test.ts', '.gitignore', '.dockerignore', 'Dockerfile', 'package.json', 'SECURITY.md']) {
      expect(isCorePath(p), p).toBe(true);
    }
    for (const p of ['README.md', 'src/tools/whoami.ts', 'src/server.ts', 'CODEOWNERS', '.github/workflows/ci.yml']) expect(isCorePath(p), p).toBe(false);
  });

  it('replace a generated file, add any other, render .hbs with the project context, and SECURITY.md lists them', async () => {
    const p = preset({ files: [file('CODEOWNERS', '* @acme/security\n'), file('README.md', '# {{name}} by Acme\n\nTransport: {{spec.transport}}\n', true), file('src/tools/whoami.ts', '// acme whoami\n')] });
    const applied = applyPresetFiles(await plan(), p);
    expect(applied.preset).toEqual({ name: 'acme-mcp', version: '1.2.0', hash: p.hash, replaced: ['README.md', 'src/tools/whoami.ts'], core: [], added: ['CODEOWNERS'] });
    const files = new Map((await renderPlan(applied, spec, '0.0.0-test')).map((f) => [f.path, f.content.toString('utf8')]));
    expect(files.get('CODEOWNERS')).toBe('* @acme/security\n');
    expect(files.get('src/tools/whoami.ts')).toBe('// acme whoami\n');
    expect(files.get('README.md')).toBe('# srv by Acme\n\nTransport: both\n');
    const security = files.get('SECURITY.md') ?? '';
    expect(security).toContain('## Team preset');
    expect(security).toContain('`acme-mcp@1.2.0`');
    expect(security).toMatch(/Security core files replaced by the preset\*\* \(`allowCoreOverrides`\): none\./);
    expect(security).toContain('- `README.md`\n- `src/tools/whoami.ts`');
    expect(security).toContain('- `CODEOWNERS`');
  });

  it('a strict template: a misspelt variable in a preset .hbs fails the run instead of rendering as nothing', async () => {
    const applied = applyPresetFiles(await plan(), preset({ files: [file('NOTICE', '{{compnay}}\n', true)] }));
    await expect(renderPlan(applied, spec, '0.0.0-test')).rejects.toThrow(/NOTICE \(preset\)/);
  });

  it('refuse a security core file without allowCoreOverrides, naming file and preset; with it, SECURITY.md lists the file', async () => {
    const weaker = file('src/security/sandbox.ts', 'export {};\n');
    const error = refusal(() => applyPresetFiles(plan0, preset({ files: [weaker] })));
    expect(error.message).toContain('the preset acme-mcp@1.2.0 replaces src/security/sandbox.ts, a security core file');
    expect(error.hint).toContain('"allowCoreOverrides": true');
    expect(error.exitCode).toBe(1);
    const allowed = applyPresetFiles(plan0, preset({ files: [weaker], allowCoreOverrides: true }));
    expect(allowed.preset?.core).toEqual(['src/security/sandbox.ts']);
    const security = (await renderPlan(allowed, spec, '0.0.0-test')).find((f) => f.path === 'SECURITY.md')?.content.toString('utf8') ?? '';
    expect(security).toContain('(`allowCoreOverrides`): \n\n- `src/security/sandbox.ts`');
  });

  it('never replace a secret, the manifest or .secrets/, even with allowCoreOverrides; refuse a case-only twin', () => {
    for (const path of ['.env', 'secure-mcp.json', '.secrets/dev-api-key', '.secrets/other']) {
      expect(() => applyPresetFiles(plan0, preset({ files: [file(path, 'x')], allowCoreOverrides: true })), path).toThrow(CliError);
    }
    expect(refusal(() => applyPresetFiles(plan0, preset({ files: [file('readme.md', 'x')] }))).message).toContain('only in letter case');
    expect(() => applyPresetFiles(plan0, preset({ files: [file('../outside', 'x')] }))).toThrow(/leave the project/);
  });
});
