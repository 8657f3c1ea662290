// `create-secure-mcp update` refusals and the no-change path, as a process without a TTY: every refusal
// exits 1 with a cause and a hint and changes nothing; on a project this version made, update finds
// nothing to do and the dry run writes nothing. (The real update across versions: test/e2e/update.test.ts.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
