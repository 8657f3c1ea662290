import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { interruptCli, runCli } from '../support/cli.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-cli-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const QUICK = ['--yes', '--no-install', '--no-git'];

function expectOneLineCauseAndHint(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^✖ /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('create-secure-mcp as a process without a TTY', () => {
  it('--help and --version', () => {
    const help = runCli(['--help'], { cwd });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage');
    expect(help.stdout).toContain('--transport');
    const version = runCli(['--version'], { cwd });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });

  it('without --yes, refuses and names every flag still needed', () => {
    const run = runCli([], { cwd });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('<directory>');
    expect(run.stderr).toContain('--tools');
    expectOneLineCauseAndHint(run.stderr);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([
    [['srv', '--yes', '--transport', 'smoke-signals'], '--transport'],
    [['srv', '--yes', '--tools', 'files,shell'], '--tools'],
    [['srv', '--yes', '--name', 'Not Valid'], 'Invalid package name'],
    [['srv', '--yes', '--transport', 'stdio', '--auth', 'none'], '--auth'],
    [['srv', '--yes', '--transport', 'stdio', '--rate-limit-store', 'redis'], '--rate-limit-store'],
    [['srv', '--yes', '--auth', 'basic'], '--auth'],
    [['srv', '--yes', '--bogus'], 'Unknown option'],
    [['srv', '--yes', '--storage', 'mongodb'], '--storage'],
  ])('refuses %j with exit 1 and writes nothing', (args, text) => {
    const run = runCli(args, { cwd });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(text);
    expectOneLineCauseAndHint(run.stderr);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses --tools notes with --storage none, naming both flags, and writes nothing', () => {
    const run = runCli(['srv', '--yes', '--storage', 'none', '--tools', 'files,notes'], { cwd });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--tools notes');
    expect(run.stderr).toContain('--storage');
    expectOneLineCauseAndHint(run.stderr);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses a non-empty directory and leaves it untouched', () => {
    mkdirSync(path.join(cwd, 'srv'));
    writeFileSync(path.join(cwd, 'srv', 'index.js'), 'mine');
    const run = runCli(['srv', ...QUICK], { cwd });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not empty');
    expect(run.stderr).toContain('--overwrite');
    expect(readdirSync(path.join(cwd, 'srv'))).toEqual(['index.js']);
    expect(readdirSync(cwd)).toEqual(['srv']);
  });

  it('refuses a target that is a file, or whose parent is missing', () => {
    writeFileSync(path.join(cwd, 'file'), 'x');
    expect(runCli(['file', ...QUICK], { cwd }).status).toBe(1);
    const run = runCli(['no/such/parent/srv', ...QUICK], { cwd });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('parent folder');
    expect(readdirSync(cwd)).toEqual(['file']);
  });

  it('--dry-run lists the plan and writes nothing', () => {
    const run = runCli(['srv', '--dry-run', ...QUICK], { cwd });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('src/server.ts');
    expect(run.stdout).toContain('.env  (secret, mode 600)');
    expect(run.stdout).not.toMatch(/AUDIT_HMAC_KEY=/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--yes writes a complete project, prints a client config running node on the absolute entry', () => {
    const run = runCli(['my-srv', ...QUICK], { cwd });
    expect(run.status, run.stderr).toBe(0);
    const target = path.join(cwd, 'my-srv');
    expect(readdirSync(cwd)).toEqual(['my-srv']);
    const manifest = JSON.parse(readFileSync(path.join(target, 'secure-mcp.json'), 'utf8'));
    expect(manifest).toMatchObject({ schemaVersion: 1, spec: { name: 'my-srv', transport: 'both', auth: 'api-key', storage: 'sqlite', tools: ['files', 'notes'] } });
    const dotenv = readFileSync(path.join(target, '.env'), 'utf8');
    const key = /AUDIT_HMAC_KEY=(\S+)/.exec(dotenv)?.[1] ?? '';
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path.join(target, '.env')).mode & 0o777).toBe(0o600);
    expect(run.stdout + run.stderr).not.toContain(key);
    const config = JSON.parse(/\{\n  "mcpServers"[\s\S]*?\n\}/.exec(run.stdout)?.[0] ?? '{}');
    expect(config.mcpServers['my-srv']).toEqual({ command: 'node', args: [path.join(target, 'dist', 'transports', 'stdio.js')] });
    expect(config.mcpServers['my-srv-http']).toMatchObject({ type: 'http', url: 'http://127.0.0.1:3000/mcp' });
    expect(run.stdout).not.toContain('npm run start"');
  });

  it('--yes with api-key auth writes a development key: hash in api-keys.json, key in .secrets, 0600, never printed', () => {
    const run = runCli(['keyed', ...QUICK], { cwd });
    expect(run.status, run.stderr).toBe(0);
    const target = path.join(cwd, 'keyed');
    const key = readFileSync(path.join(target, '.secrets', 'dev-api-key'), 'utf8').trim();
    expect(key).toMatch(/^smcp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const store = JSON.parse(readFileSync(path.join(target, 'api-keys.json'), 'utf8'));
    expect(store.version).toBe(1);
    expect(store.keys[0].hash).toBe(`sha256:${createHash('sha256').update(key).digest('hex')}`);
    // The secret is everything after `smcp_<id>_` (base64url may itself contain `_`).
    expect(JSON.stringify(store)).not.toContain(key.slice('smcp_'.length + 12 + 1));
    for (const file of ['api-keys.json', '.secrets/dev-api-key']) expect(statSync(path.join(target, file)).mode & 0o777).toBe(0o600);
    expect(run.stdout + run.stderr).not.toContain(key);
    expect(run.stdout).toContain(path.join(target, '.secrets', 'dev-api-key'));
  });

  it('two projects get two different audit keys', () => {
    runCli(['a', ...QUICK], { cwd });
    runCli(['b', ...QUICK], { cwd });
    const key = (dir: string) => readFileSync(path.join(cwd, dir, '.env'), 'utf8');
    expect(key('a')).not.toBe(key('b'));
  });

  it('a failure mid-way leaves no partial project and no staging folder', () => {
    for (const env of [{ CREATE_SECURE_MCP_FAIL_AFTER_STAGE: '5' }]) {
      const run = runCli(['srv', ...QUICK], { cwd, env });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('Internal error');
      expect(readdirSync(cwd)).toEqual([]);
    }
    // Into an existing folder with --overwrite: the rollback restores what was there.
    mkdirSync(path.join(cwd, 'srv'));
    writeFileSync(path.join(cwd, 'srv', 'package.json'), 'original');
    const run = runCli(['srv', ...QUICK, '--overwrite'], { cwd, env: { CREATE_SECURE_MCP_FAIL_AFTER_MOVE: '4' } });
    expect(run.status).toBe(2);
    expect(readdirSync(cwd)).toEqual(['srv']);
    expect(readdirSync(path.join(cwd, 'srv'))).toEqual(['package.json']);
    expect(readFileSync(path.join(cwd, 'srv', 'package.json'), 'utf8')).toBe('original');
  });

  // SIGINT is Ctrl-C, SIGTERM a supervisor or `kill`, SIGHUP the terminal closing: each undoes the run.
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s during install removes the project it created (exit %i)', async (signal, code) => {
    // A stand-in package manager that hangs, so the interrupt lands mid-install.
    const bin = path.join(cwd, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\nexec sleep 30\n');
    chmodSync(path.join(bin, 'npm'), 0o755);
    const work = path.join(cwd, 'work');
    mkdirSync(work);
    let atInterrupt: string[] = [];
    const run = await interruptCli(['srv', '--yes', '--no-git'], {
      cwd: work,
      env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
      marker: 'Installing dependencies',
      signal,
      beforeSignal: () => (atInterrupt = readdirSync(work)),
    });
    expect(run.sawMarker).toBe(true);
    expect(atInterrupt).toEqual(['srv']); // the project was there when the signal came…
    expect(run.status, run.stderr).toBe(code);
    expect(run.stderr).toContain('Interrupted: nothing was left behind.');
    expect(readdirSync(work)).toEqual([]); // …and is gone, with no staging folder beside it
  });

  it('with no git identity: initialises, stages, does not commit, says why; .env is never staged', () => {
    const home = path.join(cwd, 'home');
    mkdirSync(home);
    const env = { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'none'), GIT_AUTHOR_NAME: '', GIT_AUTHOR_EMAIL: '', GIT_COMMITTER_NAME: '', GIT_COMMITTER_EMAIL: '', EMAIL: '' };
    const work = path.join(cwd, 'work');
    mkdirSync(work);
    const run = runCli(['srv', '--yes', '--no-install'], { cwd: work, env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('not committed');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: path.join(work, 'srv'), env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(git('rev-parse', '--verify', 'HEAD').status).not.toBe(0);
    const staged = git('diff', '--cached', '--name-only').stdout.split('\n');
    expect(staged).toContain('package.json');
    expect(staged).toContain('.gitignore');
    expect(staged).not.toContain('.env');
  });

  it('--package-manager pnpm: the post-steps, the next steps and the dry run all use pnpm', () => {
    // A stand-in pnpm that records its arguments, so the test needs no real install.
    const bin = path.join(cwd, 'fake-bin');
    mkdirSync(bin);
    const log = path.join(cwd, 'pnpm.log');
    writeFileSync(path.join(bin, 'pnpm'), `#!/bin/sh\necho "$*" >> "${log}"\n`);
    chmodSync(path.join(bin, 'pnpm'), 0o755);
    const work = path.join(cwd, 'work');
    mkdirSync(work);
    const run = runCli(['srv', '--yes', '--no-git', '--package-manager', 'pnpm'], { cwd: work, env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
    expect(run.status, run.stderr).toBe(0);
    // Lockfile-writing even under CI=true, where pnpm would default to --frozen-lockfile.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['install --no-frozen-lockfile', 'run build']);
    expect(run.stdout).toMatch(/^ {2}pnpm run test +# /m);
    expect(run.stdout).toMatch(/^ {2}pnpm run start:http +# /m);
    expect(run.stdout).toMatch(/^ {2}pnpm run start:stdio +# /m);
    expect(run.stdout).not.toMatch(/\bnpm (run|test|install|ci)\b/);
    expect(run.stdout).toContain(`"${path.join(work, 'srv', 'dist', 'transports', 'stdio.js')}"`);
    expect(JSON.parse(readFileSync(path.join(work, 'srv', 'package.json'), 'utf8')).packageManager).toMatch(/^pnpm@10\./);

    const dry = runCli(['other', '--yes', '--dry-run', '--package-manager', 'bun'], { cwd: work });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Then: bun install, bun run build, git init + first commit.');
    const yarn = runCli(['later', ...QUICK, '--package-manager', 'yarn'], { cwd: work });
    expect(yarn.status, yarn.stderr).toBe(0);
    expect(yarn.stdout).toContain('  yarn install && yarn run build\n');
    expect(yarn.stdout).toMatch(/^ {2}yarn run test +# /m);
  });

  it('a package manager that is not installed: one line, and how to get it', () => {
    const empty = path.join(cwd, 'empty-bin');
    mkdirSync(empty);
    const work = path.join(cwd, 'work');
    mkdirSync(work);
    const run = runCli(['srv', '--yes', '--no-git', '--package-manager', 'bun'], { cwd: work, env: { PATH: empty } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('bun could not be started');
    expect(run.stderr).toContain('npm install --global bun@');
    expect(run.stderr).not.toContain('done: Installing'); // the failed step is not reported as done
    expectOneLineCauseAndHint(run.stderr.slice(run.stderr.indexOf('✖')));
  });

  it('with a git identity: makes the first commit without secrets', () => {
    const home = path.join(cwd, 'home');
    mkdirSync(home);
    const env = { HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'none'), GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid' };
    const work = path.join(cwd, 'work');
    mkdirSync(work);
    const run = runCli(['srv', '--yes', '--no-install'], { cwd: work, env });
    expect(run.status, run.stderr).toBe(0);
    const files = spawnSync('git', ['ls-files'], { cwd: path.join(work, 'srv'), encoding: 'utf8' }).stdout.split('\n');
    expect(files).toContain('secure-mcp.json');
    expect(files).toContain('.env.example');
    expect(files).not.toContain('.env');
    expect(files).not.toContain('api-keys.json');
    expect(files.filter((f) => f.startsWith('.secrets'))).toEqual([]);
    expect(existsSync(path.join(work, 'srv', '.env'))).toBe(true);
    expect(existsSync(path.join(work, 'srv', '.secrets', 'dev-api-key'))).toBe(true);
  });
});
