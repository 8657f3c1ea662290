// `create-secure-mcp update` refusals and the no-change path, as a process without a TTY: every refusal
// exits 1 with a cause and a hint and changes nothing (a generator version the registry cannot supply:
// exit 2); on a project this version made, update finds nothing to do and the dry run writes nothing.
// --set and --preset <newer version of the recorded preset> (from files, and as npm packages fetched from
// a local registry). Registries here are test/support/local-registry.ts, never the public one. (The real
// update across generator versions: test/e2e/update.test.ts.)
import { execFileSync } from 'node:child_process';
import { type Dirent, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDER_NODE_VERSION } from '../../src/project-versions.js';
import { runCli } from '../support/cli.js';
import { startLocalRegistry, type LocalRegistry } from '../support/local-registry.js';

let root: string;
let project: string;
/** A registry that has no package at all. */
let empty: LocalRegistry;
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });
/** `git init` (when asked) and a commit of everything. */
function commitAll(dir: string, message: string, init = false): void {
  if (init) git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'csm-update-cli-'));
  const made = runCli(['srv', '--yes', '--no-install', '--no-git', '--storage', 'none'], { cwd: root });
  expect(made.status, made.stderr).toBe(0);
  project = path.join(root, 'srv');
  commitAll(project, 'made', true);
  empty = await startLocalRegistry({});
});
afterAll(async () => {
  await empty?.close();
  rmSync(root, { recursive: true, force: true });
});

function refused(args: string[], cwd: string, text: RegExp, status = 1): void {
  const run = runCli(['update', ...args], { cwd, env: empty.env() });
  expect(run.status, run.stdout + run.stderr).toBe(status);
  expect(run.stderr).toMatch(text);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(git(project, 'status', '--porcelain')).toBe('');
}

describe('update', () => {
  it('a project this version made: nothing to change; --dry-run writes nothing; exit 0', () => {
    for (const args of [['--dry-run'], []]) {
      const run = runCli(['update', ...args], { cwd: project });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/0 updated, 0 merged, 0 conflict, \d+ kept, 0 added, 0 removed, \d+ protected/);
      expect(run.stdout).toMatch(/\.env +protected/);
    }
    // The real run rewrote only the manifest, with the same version: no change at all.
    expect(git(project, 'status', '--porcelain')).toBe('');
  });

  it('refuses a dirty work tree, naming the files, and changes nothing', () => {
    writeFileSync(path.join(project, 'README.md'), `${readFileSync(path.join(project, 'README.md'), 'utf8')}mine\n`);
    const run = runCli(['update'], { cwd: project });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('has uncommitted changes (README.md)');
    git(project, 'checkout', '-q', 'README.md');
  });

  it('refuses: not a generated project, not a git work tree, a --to older than the project or not a version, a version the registry lacks (exit 2)', () => {
    refused([root], root, /no secure-mcp\.json/);
    const loose = path.join(root, 'loose');
    expect(runCli(['loose', '--yes', '--no-install', '--no-git', '--storage', 'none'], { cwd: root }).status).toBe(0);
    const notGit = runCli(['update'], { cwd: loose });
    expect(notGit.status).toBe(1);
    expect(notGit.stderr).toMatch(/not in a git work tree/);
    refused(['--to', '0.0.1'], project, /--to 0\.0\.1 is older than .*, the version that made the project: update only moves a project forward/);
    refused(['--to', 'latest'], project, /--to latest: not an exact version/);
    refused(['--to', '9.9.9'], project, /--to 9\.9\.9: update renders the project with that version, and the registry could not supply it/, 2);
    const manifestPath = path.join(project, 'secure-mcp.json');
    const original = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, original.replace(/"generatorVersion": "[^"]+"/, '"generatorVersion": "0.0.1"'));
    git(project, 'commit', '-qam', 'pretend an older generator made it');
    refused([], project, /update needs create-secure-mcp 0\.0\.1, the version that made the project.*registry could not supply it.*--from/s, 2);
    refused(['--from', path.join(root, 'nope.tgz')], project, /--from .*nope\.tgz does not exist/);
    writeFileSync(manifestPath, original);
    git(project, 'commit', '-qam', 'back');
  });
});

describe('update --set', () => {
  it('a stdio project becomes both + API keys + fetch: exactly what create makes for that spec, secrets created only where absent, .env untouched', () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-update-set-'));
    try {
      expect(runCli(['grow', '--transport', 'stdio', '--storage', 'none', '--tools', 'files', '--no-install', '--no-git'], { cwd }).status).toBe(0);
      const grow = path.join(cwd, 'grow');
      commitAll(grow, 'made', true);
      const env = readFileSync(path.join(grow, '.env'));
      const run = runCli(['update', '--set', 'transport=both', '--set', 'tools=files,fetch'], { cwd: grow });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('spec: transport stdio → both; auth none → api-key; tools files → files,fetch');
      expect(run.stdout).toContain('the project now needs FETCH_ALLOWED_HOSTS there');
      expect(readFileSync(path.join(grow, '.env'))).toEqual(env);
      for (const secret of ['api-keys.json', '.secrets/dev-api-key']) expect(statSync(path.join(grow, secret)).mode & 0o777, secret).toBe(0o600);
      expect(statSync(path.join(grow, '.secrets')).mode & 0o777).toBe(0o700);
      const manifest = JSON.parse(readFileSync(path.join(grow, 'secure-mcp.json'), 'utf8'));
      expect(manifest.spec).toMatchObject({ transport: 'both', auth: 'api-key', tools: ['files', 'fetch'] });
      // An untouched project updated to a spec is the project create makes for that spec (secrets aside).
      expect(runCli(['fresh', '--name', 'grow', '--transport', 'both', '--auth', 'api-key', '--storage', 'none', '--tools', 'files,fetch', '--rate-limit-store', 'memory', '--no-install', '--no-git'], { cwd }).status).toBe(0);
      const fresh = path.join(cwd, 'fresh');
      const files = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).filter((f) => !f.startsWith('.git/')).sort();
      expect(files(grow)).toEqual(files(fresh));
      for (const file of files(fresh)) {
        if (['.env', 'api-keys.json', '.secrets/dev-api-key', 'secure-mcp.json'].includes(file)) continue;
        expect(readFileSync(path.join(grow, file), 'utf8'), file).toBe(readFileSync(path.join(fresh, file), 'utf8'));
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('keeps the project\'s Node column: a project made for Node >= 22.12, updated with --set on this Node, still pins the current majors', () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-update-floor-'));
    try {
      const onNode22 = { [RENDER_NODE_VERSION]: 'v22.12.0' };
      expect(runCli(['modern', '--transport', 'stdio', '--storage', 'sqlite', '--tools', 'files,notes', '--no-install', '--no-git'], { cwd, env: onNode22 }).status).toBe(0);
      const modern = path.join(cwd, 'modern');
      commitAll(modern, 'made', true);
      const pins = (): Record<string, string> => JSON.parse(readFileSync(path.join(modern, 'package.json'), 'utf8')).devDependencies;
      const before = pins();
      const run = runCli(['update', '--set', 'tools=files,notes,fetch'], { cwd: modern });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(JSON.parse(readFileSync(path.join(modern, 'secure-mcp.json'), 'utf8')).spec.nodeFloor).toBe(22);
      expect(pins().vitest).toBe(before.vitest);
      expect(pins()['@types/node']).toBe(before['@types/node']);
      expect(JSON.parse(readFileSync(path.join(modern, 'package.json'), 'utf8')).engines.node).toBe('>=22.12');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses a bad key, a value the catalog lacks, and an option that no longer fits — exit 1, nothing changed', () => {
    refused(['--set', 'colour=blue'], project, /--set colour: not an option update can change/);
    refused(['--set', 'transport'], project, /--set transport: expected key=value/);
    refused(['--set', 'transport=pigeon'], project, /update --set: Unknown value "pigeon" for --set transport/);
    refused(['--set', 'transport=stdio', '--set', 'auth=oauth'], project, /--set auth does not apply to --set transport stdio/);
  });

  it('a team preset locks what update may change too', () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-update-lock-'));
    try {
      writeFileSync(path.join(cwd, 'team.json'), JSON.stringify({ name: 'team-mcp', version: '1.0.0', options: { transport: 'http', storage: 'none', tools: ['files'] }, locked: ['transport'] }));
      expect(runCli(['locked', '--preset', './team.json', '--yes', '--no-install', '--no-git'], { cwd }).status).toBe(0);
      const locked = path.join(cwd, 'locked');
      commitAll(locked, 'made', true);
      const noPreset = runCli(['update', '--set', 'transport=both'], { cwd: locked });
      expect(noPreset.status).toBe(1);
      expect(noPreset.stderr).toContain('made with the team preset team-mcp@1.0.0');
      const run = runCli(['update', '--preset', path.join(cwd, 'team.json'), '--set', 'transport=both'], { cwd: locked });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/--set transport is locked to http by the preset team-mcp@1\.0\.0/);
      expect(git(locked, 'status', '--porcelain')).toBe('');
      const tools = runCli(['update', '--preset', path.join(cwd, 'team.json'), '--set', 'tools=files,fetch'], { cwd: locked });
      expect(tools.status, tools.stderr).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('update --preset <a newer version of the recorded preset>', () => {
  const TEAM_V1 = '# Team\n\nOwners: platform\n';
  const TEAM_V2 = '# Team\n\nOwners: platform, security\n';
  const oncall = (runbook: string, pager = 'team-a'): string => `# On call\n\nPager: ${pager}\n\nEscalate after 15 minutes.\n\nKeep the incident channel open.\n\nRunbook: ${runbook}\n`;
  let cwd: string;
  let registry: LocalRegistry;

  /** A preset folder: v1 locks tools to files, v2 to files and fetch; both bring docs/TEAM.md and docs/ONCALL.md (not core files). */
  function preset(folder: string, p: { name?: string; version: string; tools: string[]; team: string; runbook: string; pkg?: string }): string {
    const dir = path.join(cwd, folder);
    mkdirSync(path.join(dir, 'files', 'docs'), { recursive: true });
    writeFileSync(path.join(dir, 'preset.json'), JSON.stringify({ name: p.name ?? 'team-mcp', version: p.version, options: { transport: 'http', auth: 'api-key', storage: 'none', tools: p.tools }, locked: ['tools'], files: 'files' }));
    writeFileSync(path.join(dir, 'files', 'docs', 'TEAM.md'), p.team);
    writeFileSync(path.join(dir, 'files', 'docs', 'ONCALL.md'), oncall(p.runbook));
    if (p.pkg !== undefined) writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: p.pkg, version: p.version }));
    return dir;
  }
  /** A project made with `presetSource`, committed, then `edit`ed and committed (as a user would). */
  function made(name: string, presetSource: string, edit: (dir: string) => void, env: NodeJS.ProcessEnv = {}): string {
    const run = runCli([name, '--preset', presetSource, '--yes', '--no-install', '--no-git'], { cwd, env });
    expect(run.status, run.stderr).toBe(0);
    const dir = path.join(cwd, name);
    commitAll(dir, 'made', true);
    edit(dir);
    commitAll(dir, 'my edits');
    return dir;
  }
  const editOncall = (pager: string, runbook?: string) => (dir: string): void => writeFileSync(path.join(dir, 'docs', 'ONCALL.md'), oncall(runbook ?? 'wiki/runbook-v1', pager));
  const manifestOf = (dir: string): { spec: { tools: string[] }; preset: { name: string; version: string; hash: string; locked: string[] } } => JSON.parse(readFileSync(path.join(dir, 'secure-mcp.json'), 'utf8'));
  const row = (out: string, file: string): string => out.split('\n').find((line) => line.trim().startsWith(`${file} `)) ?? `(no row for ${file})`;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-update-preset-'));
    preset('v1', { version: '1.0.0', tools: ['files'], team: TEAM_V1, runbook: 'wiki/runbook-v1', pkg: '@acme/team-preset' });
    preset('v2', { version: '2.0.0', tools: ['files', 'fetch'], team: TEAM_V2, runbook: 'wiki/runbook-v2', pkg: '@acme/team-preset' });
    preset('v0', { version: '0.9.0', tools: ['files'], team: TEAM_V1, runbook: 'wiki/runbook-v0' });
    preset('other', { name: 'other-team', version: '3.0.0', tools: ['files'], team: TEAM_V1, runbook: 'wiki/runbook-v1' });
    const tarballs: Record<string, string> = {};
    for (const version of ['v1', 'v2']) {
      const [info] = JSON.parse(execFileSync('npm', ['pack', path.join(cwd, version), '--json', '--pack-destination', cwd], { cwd, encoding: 'utf8', env: { ...process.env, ...empty.env() } })) as [{ filename: string; version: string }];
      tarballs[info.version] = path.join(cwd, path.basename(info.filename));
    }
    registry = await startLocalRegistry({ '@acme/team-preset': tarballs });
  });
  afterAll(async () => {
    await registry?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("v1 → v2 with --preset-from: the preset's unedited file lands, the edited one merges, the changed locked option applies, the manifest records v2", () => {
    const dir = made('moved', './v1', editOncall('team-a-night'));
    const env = readFileSync(path.join(dir, '.env'));
    const run = runCli(['update', '--preset', path.join(cwd, 'v2'), '--preset-from', path.join(cwd, 'v1')], { cwd: dir });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('update from create-secure-mcp');
    expect(run.stdout).toMatch(/\+ team-mcp@1\.0\.0 to create-secure-mcp \S+ \+ team-mcp@2\.0\.0/);
    expect(row(run.stdout, 'docs/TEAM.md')).toMatch(/\bupdated\b/);
    expect(readFileSync(path.join(dir, 'docs', 'TEAM.md'), 'utf8')).toBe(TEAM_V2);
    expect(row(run.stdout, 'docs/ONCALL.md')).toMatch(/\bmerged\b/);
    expect(readFileSync(path.join(dir, 'docs', 'ONCALL.md'), 'utf8')).toBe(oncall('wiki/runbook-v2', 'team-a-night'));
    // tools is locked: v2's [files, fetch] replaces v1's, and the fetch tool's files arrive.
    expect(run.stdout).toContain('spec: tools files → files,fetch');
    expect(row(run.stdout, 'src/tools/fetch.ts')).toMatch(/\badded\b/);
    expect(readFileSync(path.join(dir, '.env'))).toEqual(env);
    const fresh = runCli(['fresh', '--preset', './v2', '--yes', '--no-install', '--no-git'], { cwd });
    expect(fresh.status, fresh.stderr).toBe(0);
    const manifest = manifestOf(dir);
    expect(manifest.preset).toEqual(manifestOf(path.join(cwd, 'fresh')).preset);
    expect(manifest.preset).toMatchObject({ name: 'team-mcp', version: '2.0.0' });
    expect(manifest.spec.tools).toEqual(['files', 'fetch']);
  });

  it('the edited line is the one v2 changed: conflict markers in that file, exit 1', () => {
    const dir = made('clash', './v1', editOncall('team-a', 'wiki/our-runbook'));
    const run = runCli(['update', '--preset', './v2', '--preset-from', './v1'].map((a) => (a.startsWith('./') ? path.join(cwd, a) : a)), { cwd: dir });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(row(run.stdout, 'docs/ONCALL.md')).toMatch(/\bconflict\b/);
    const text = readFileSync(path.join(dir, 'docs', 'ONCALL.md'), 'utf8');
    expect(text).toMatch(/^<<<<<<< yours\nRunbook: wiki\/our-runbook\n/m);
    expect(text).toMatch(/^Runbook: wiki\/runbook-v2\n>>>>>>> create-secure-mcp \S+ \+ team-mcp@2\.0\.0$/m);
    expect(readFileSync(path.join(dir, 'docs', 'TEAM.md'), 'utf8')).toBe(TEAM_V2);
  });

  it('npm packages: --preset @acme/team-preset@2.0.0 fetches the recorded 1.0.0 too (from the registry npm is configured with)', async () => {
    const dir = made('fetched', '@acme/team-preset@1.0.0', editOncall('team-a-night'), registry.env());
    const run = runCli(['update', '--preset', '@acme/team-preset@2.0.0'], { cwd: dir, env: registry.env() });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'docs', 'ONCALL.md'), 'utf8')).toBe(oncall('wiki/runbook-v2', 'team-a-night'));
    expect(manifestOf(dir).preset).toMatchObject({ name: 'team-mcp', version: '2.0.0' });
    const served = await registry.requests();
    for (const version of ['1.0.0', '2.0.0']) expect(served).toContain(`GET /@acme/team-preset/-/team-preset-${version}.tgz 200`);
  });

  it('refuses, changing nothing: another preset, an older version, a file preset without --preset-from, a --preset-from that is not the recorded one, --preset-from alone', () => {
    const dir = made('refusals', './v1', () => writeFileSync(path.join(cwd, 'refusals', 'NOTES.md'), 'mine\n'));
    const refusedHere = (args: string[], text: RegExp): void => {
      const run = runCli(['update', ...args], { cwd: dir, env: empty.env() });
      expect(run.status, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toMatch(text);
      expect(git(dir, 'status', '--porcelain')).toBe('');
    };
    const at = (folder: string): string => path.join(cwd, folder);
    refusedHere(['--preset', at('other')], /--preset is other-team@3\.0\.0, but the project was made with the team preset team-mcp: update moves a project to a newer version of its own preset, not to another preset/);
    refusedHere(['--preset', at('v0')], /--preset is team-mcp@0\.9\.0, older than the 1\.0\.0 the project records: update only moves forward/);
    refusedHere(['--preset', at('v2')], /also needs the recorded team-mcp@1\.0\.0 .*cannot fetch it: --preset is a folder, not an npm package/);
    refusedHere(['--preset', at('v2'), '--preset-from', at('v0')], /--preset-from is team-mcp@0\.9\.0 \(sha256:[0-9a-f]+\), not the preset the project records \(team-mcp@1\.0\.0/);
    refusedHere(['--preset-from', at('v1')], /--preset-from names the recorded preset when --preset is a newer one; --preset is missing/);
  });
});
