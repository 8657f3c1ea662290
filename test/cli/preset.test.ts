// Team presets through the real CLI, without a TTY: `preset init` writes a preset that loads; `create
// --preset` takes its options, enforces its locks (exit 1, nothing written), uses its files (overrides,
// extras, rendered .hbs, add-tool templates kept verbatim), refuses a security core override without the
// opt-in and lists it in SECURITY.md with it; an invalid preset is refused with the schema path; a preset
// shipped as an npm package tarball (made here with npm pack) works; `add tool` then uses the recorded
// addTool defaults; create without --preset never loads ajv.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let root: string;
let counter = 0;
const fresh = (label: string): string => {
  const dir = path.join(root, `${label}-${++counter}`);
  mkdirSync(dir);
  return dir;
};

/** A preset folder: preset.json plus files/ with the given project paths. */
function presetFolder(preset: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = fresh('preset');
  writeFileSync(path.join(dir, 'preset.json'), JSON.stringify({ name: 'acme-mcp', version: '1.2.0', ...preset, ...(Object.keys(files).length > 0 ? { files: './files' } : {}) }, null, 2));
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, 'files', ...file.split('/'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return dir;
}

function manifest(project: string): { spec: Record<string, unknown>; preset?: Record<string, unknown> } {
  return JSON.parse(readFileSync(path.join(project, 'secure-mcp.json'), 'utf8'));
}

function expectRefusedNothingWritten(args: readonly string[], text: string | RegExp): string {
  const cwd = fresh('work');
  const run = runCli(args, { cwd });
  expect(run.status, run.stderr).toBe(1);
  expect(run.stderr).toMatch(text);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(readdirSync(cwd)).toEqual([]);
  return run.stderr;
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'csm-preset-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('preset init', () => {
  it('writes a preset with $schema and the locks, that create then accepts', () => {
    const cwd = fresh('init');
    const run = runCli(['preset', 'init', 'acme.json', '--name', 'acme-mcp', '--transport', 'http', '--auth', 'oauth', '--storage', 'none', '--tools', 'files', '--yes', '--lock', 'transport,auth'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Wrote the preset acme-mcp@1.0.0 to acme.json (locked: transport, auth)');
    const written = JSON.parse(readFileSync(path.join(cwd, 'acme.json'), 'utf8'));
    expect(written).toEqual({
      $schema: expect.stringMatching(/^https:\/\/unpkg\.com\/create-secure-mcp@[^/]+\/schema\/preset\.schema\.json$/),
      name: 'acme-mcp',
      version: '1.0.0',
      options: { transport: 'http', auth: 'oauth', storage: 'none', tools: ['files'], 'rate-limit-store': 'memory' },
      locked: ['transport', 'auth'],
      allowCoreOverrides: false,
    });
    const create = runCli(['srv', '--preset', './acme.json', '--no-install', '--no-git'], { cwd });
    expect(create.status, create.stderr).toBe(0);
    expect(manifest(path.join(cwd, 'srv')).spec).toMatchObject({ transport: 'http', auth: 'oauth', storage: 'none', tools: ['files'] });
  });

  it('refuses: an existing file (kept as it was), a lock of an option the preset does not set, missing values without a terminal', () => {
    const cwd = fresh('init');
    writeFileSync(path.join(cwd, 'preset.json'), 'mine\n');
    const exists = runCli(['preset', 'init', '--yes'], { cwd });
    expect(exists.status).toBe(1);
    expect(exists.stderr).toContain('never overwrites');
    expect(readFileSync(path.join(cwd, 'preset.json'), 'utf8')).toBe('mine\n');

    expectRefusedNothingWritten(['preset', 'init', '--transport', 'stdio', '--yes', '--lock', 'auth'], /--lock auth: this preset does not set auth/);
    expectRefusedNothingWritten(['preset', 'init', '--yes', '--lock', 'colour'], /Unknown option "colour" for --lock/);
    expectRefusedNothingWritten(['preset', 'init', '--transport', 'stdio'], /still needed: --storage, --tools/);
  });
});

describe('create --preset', () => {
  it('takes the preset options, records name, version, hash, locks and addTool in secure-mcp.json, and says where the preset came from', () => {
    const dir = presetFolder({ options: { transport: 'stdio', storage: 'none', tools: ['files', 'fetch'] }, locked: ['transport'], addTool: { scopePrefix: 'acme', rateLimitPoints: 30 } });
    const cwd = fresh('work');
    const run = runCli(['srv', '--preset', dir, '--yes', '--no-install', '--no-git'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Preset acme-mcp@1.2.0 from folder ${dir}; locked: transport.`);
    const recorded = manifest(path.join(cwd, 'srv'));
    expect(recorded.spec).toMatchObject({ transport: 'stdio', storage: 'none', tools: ['files', 'fetch'] });
    expect(recorded.preset).toEqual({
      name: 'acme-mcp',
      version: '1.2.0',
      hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      locked: ['transport'],
      options: { transport: 'stdio', storage: 'none', tools: ['files', 'fetch'] },
      addTool: { scopePrefix: 'acme', rateLimitPoints: 30 },
    });
    // add tool uses the recorded defaults without the preset at hand.
    rmSync(dir, { recursive: true });
    const add = runCli(['add', 'tool', 'get_weather', '--yes'], { cwd: path.join(cwd, 'srv') });
    expect(add.status, add.stderr).toBe(0);
    const tool = readFileSync(path.join(cwd, 'srv', 'src', 'tools', 'get_weather.ts'), 'utf8');
    expect(tool).toContain('scopes: ["acme-weather:read"],');
    expect(tool).toContain('rateLimitPoints: 30,');
  });

  it('refuses a flag that changes a locked option: exit 1, the preset named, nothing written', () => {
    const dir = presetFolder({ options: { transport: 'http', auth: 'oauth' }, locked: ['transport', 'auth'] });
    const stderr = expectRefusedNothingWritten(['srv', '--preset', dir, '--auth', 'api-key', '--yes', '--no-install', '--no-git'], /--auth is locked to oauth by the preset acme-mcp@1\.2\.0/);
    expect(stderr).toContain('Drop --auth');
  });

  it('refuses an invalid preset with the schema path of each error, writing nothing', () => {
    const dir = presetFolder({ options: { transport: 'carrier-pigeon' }, locked: ['colour'] });
    const stderr = expectRefusedNothingWritten(['srv', '--preset', dir, '--yes', '--no-install', '--no-git'], /\/options\/transport/);
    expect(stderr).toMatch(/\/locked\/0/);
    expectRefusedNothingWritten(['srv', '--preset', path.join(root, 'no-such-preset.json'), '--yes'], /preset/i);
  });

  it('uses its files: replaces a generated file, adds others, renders .hbs, keeps add-tool templates verbatim', () => {
    const template = readFileSync(path.join(import.meta.dirname, '..', '..', 'templates', 'add-tool', 'tool.ts.hbs'), 'utf8');
    const dir = presetFolder(
      { options: { storage: 'none', tools: ['files'] } },
      {
        CODEOWNERS: '* @acme/security\n',
        'README.md.hbs': '# {{name}}\n\nMade from the Acme preset; transport {{spec.transport}}.\n',
        '.secure-mcp/templates/tool.ts.hbs': `// Reviewed by @acme/security.\n${template}`,
      },
    );
    const cwd = fresh('work');
    const run = runCli(['srv', '--preset', dir, '--transport', 'stdio', '--yes', '--no-install', '--no-git'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    const project = path.join(cwd, 'srv');
    expect(readFileSync(path.join(project, 'CODEOWNERS'), 'utf8')).toBe('* @acme/security\n');
    expect(readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('# srv\n\nMade from the Acme preset; transport stdio.\n');
    expect(readFileSync(path.join(project, '.secure-mcp', 'templates', 'tool.ts.hbs'), 'utf8')).toContain('{{'); // not rendered
    const security = readFileSync(path.join(project, 'SECURITY.md'), 'utf8');
    expect(security).toContain('## Team preset');
    expect(security).toMatch(/Other generated files replaced by the preset:\*\* \n\n- `README\.md`/);
    const add = runCli(['add', 'tool', 'get_weather', '--yes'], { cwd: project });
    expect(add.status, add.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'src', 'tools', 'get_weather.ts'), 'utf8')).toMatch(/^\/\/ Reviewed by @acme\/security\./);
    // The team's README has no generated tool table: add tool leaves it alone.
    expect(readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('# srv\n\nMade from the Acme preset; transport stdio.\n');
  });

  it('refuses a security core file without allowCoreOverrides (nothing written); with it, SECURITY.md lists the file', () => {
    const files = { 'src/security/redact.ts': '// Acme redaction\nexport {};\n' };
    expectRefusedNothingWritten(['srv', '--preset', presetFolder({}, files), '--yes', '--no-install', '--no-git'], /replaces src\/security\/redact\.ts, a security core file/);
    const cwd = fresh('work');
    const run = runCli(['srv', '--preset', presetFolder({ allowCoreOverrides: true }, files), '--yes', '--no-install', '--no-git'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'srv', 'src', 'security', 'redact.ts'), 'utf8')).toBe(files['src/security/redact.ts']);
    expect(readFileSync(path.join(cwd, 'srv', 'SECURITY.md'), 'utf8')).toMatch(/Security core files replaced by the preset\*\* \(`allowCoreOverrides`\): \n\n- `src\/security\/redact\.ts`/);
  });

  it('takes a preset from an npm package tarball (npm pack), printing its name, version and integrity', () => {
    const pkg = presetFolder({ options: { transport: 'http', auth: 'api-key' }, locked: ['auth'] }, { CODEOWNERS: '* @acme\n' });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/mcp-preset', version: '1.2.0', files: ['preset.json', 'files'] }));
    const out = fresh('packed');
    const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: pkg, encoding: 'utf8' }).trim().split('\n').at(-1) as string;
    const cwd = fresh('work');
    const run = runCli(['srv', '--preset', path.join(out, tgz), '--yes', '--no-install', '--no-git'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Preset acme-mcp@1\.2\.0 from npm package @acme\/mcp-preset@1\.2\.0 \(tarball, sha512-[A-Za-z0-9+/=]+\); locked: auth\./);
    expect(readFileSync(path.join(cwd, 'srv', 'CODEOWNERS'), 'utf8')).toBe('* @acme\n');
    expect(manifest(path.join(cwd, 'srv')).spec).toMatchObject({ transport: 'http', auth: 'api-key' });
  });

  it('--dry-run marks the files that come from the preset and writes nothing', () => {
    const dir = presetFolder({}, { CODEOWNERS: '* @acme\n' });
    const cwd = fresh('work');
    const run = runCli(['srv', '--preset', dir, '--yes', '--dry-run'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('  CODEOWNERS  (from the preset)');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('create without --preset never loads ajv (the hook that blocks it does block a --preset run)', () => {
    const hook = path.join(root, 'block-ajv.mjs');
    const resolver = "export async function resolve(specifier, context, next) { if (specifier === 'ajv' || specifier.startsWith('ajv/')) throw new Error('ajv was imported'); return next(specifier, context); }";
    writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolver)}`)});\n`);
    const env = { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    const cwd = fresh('work');
    const plain = runCli(['srv', '--yes', '--no-install', '--no-git'], { cwd, env });
    expect(plain.status, plain.stderr).toBe(0);
    const withPreset = runCli(['srv2', '--preset', presetFolder({}), '--yes', '--no-install', '--no-git'], { cwd, env });
    expect(withPreset.status).toBe(2);
    expect(withPreset.stderr).toContain('ajv was imported');
    expect(existsSync(path.join(cwd, 'srv2'))).toBe(false);
  });
});

