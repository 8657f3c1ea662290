// `create-secure-mcp update` refusals and the no-change path, as a process without a TTY: every refusal
// exits 1 with a cause and a hint and changes nothing; on a project this version made, update finds
// nothing to do and the dry run writes nothing. (The real update across versions: test/e2e/update.test.ts.)
import { execFileSync } from 'node:child_process';
import { type Dirent, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let root: string;
let project: string;
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'csm-update-cli-'));
  const made = runCli(['srv', '--yes', '--no-install', '--no-git', '--storage', 'none'], { cwd: root });
  expect(made.status, made.stderr).toBe(0);
  project = path.join(root, 'srv');
  git(project, 'init', '-q');
  git(project, 'add', '-A');
  git(project, 'commit', '-qm', 'made');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function refused(args: string[], cwd: string, text: RegExp): void {
  const run = runCli(['update', ...args], { cwd });
  expect(run.status, run.stdout + run.stderr).toBe(1);
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

  it('refuses: not a generated project, not a git work tree, --to another version, another version without --from', () => {
    refused([root], root, /no secure-mcp\.json/);
    const loose = path.join(root, 'loose');
    expect(runCli(['loose', '--yes', '--no-install', '--no-git', '--storage', 'none'], { cwd: root }).status).toBe(0);
    const notGit = runCli(['update'], { cwd: loose });
    expect(notGit.status).toBe(1);
    expect(notGit.stderr).toMatch(/not in a git work tree/);
    refused(['--to', '9.9.9'], project, /--to 9\.9\.9: this create-secure-mcp is/);
    const manifestPath = path.join(project, 'secure-mcp.json');
    const original = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, original.replace(/"generatorVersion": "[^"]+"/, '"generatorVersion": "0.0.1"'));
    git(project, 'commit', '-qam', 'pretend an older generator made it');
    refused([], project, /made by create-secure-mcp 0\.0\.1; this is .* --from/s);
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
      git(grow, 'init', '-q');
      git(grow, 'add', '-A');
      git(grow, 'commit', '-qm', 'made');
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
      git(locked, 'init', '-q');
      git(locked, 'add', '-A');
      git(locked, 'commit', '-qm', 'made');
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
