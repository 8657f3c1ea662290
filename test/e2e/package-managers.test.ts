// Each package manager for real: pnpm, bun and yarn are installed from the npm registry into this test's
// own temp folder (nothing global is used), then a small project is generated with each, letting the
// generator's own post-steps install and build with that manager. The test then does what CI does —
// a clean install exactly from the lockfile — and runs the project's `test` script through the manager.
// Slow (a few installs, about a minute with warm caches): progress lines with seconds go to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackageManager } from '../../src/options/options.js';
import { packageManagerInfo, PM_VERSIONS } from '../../src/package-managers.js';
import { runCli } from '../support/cli.js';
import { ensureBetterSqlite3Prebuild, prebuildEnv } from '../support/native-prebuilds.js';

const started = Date.now();
const since = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)}s`;
function progress(text: string): void {
  process.stderr.write(`[pm-e2e ${since(started)}] ${text}\n`);
}
/** Runs a step between a start line and an end line with its own time. */
function step<T extends { status: number | null }>(what: string, fn: () => T): T {
  const begin = Date.now();
  progress(`▸ ${what} …`);
  const result = fn();
  progress(`  ${what}: ${result.status === 0 ? 'done' : `exit ${result.status ?? 'killed'}`} in ${since(begin)}`);
  return result;
}

let work: string;
let env: NodeJS.ProcessEnv;

/** A command line from the data (plain words, no quoting) run without a shell, in `cwd`. */
function sh(commandLine: string, cwd: string, timeout = 600_000) {
  const [command, ...args] = commandLine.split(' ');
  const result = spawnSync(command!, args, { cwd, env, encoding: 'utf8', timeout });
  return { status: result.status, stdout: result.stdout ?? '', output: `${result.stdout ?? ''}\n${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}` };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-pm-e2e-'));
  const prefix = path.join(work, 'pm');
  mkdirSync(prefix);
  const tools = [`pnpm@${PM_VERSIONS.pnpm}`, `bun@${PM_VERSIONS.bun}`, `@yarnpkg/cli-dist@${PM_VERSIONS.yarn}`];
  const install = step(`install ${tools.join(', ')} into ${prefix}`, () =>
    spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-package-lock', ...tools], { encoding: 'utf8', timeout: 600_000 }),
  );
  if (install.status !== 0) throw new Error(`installing the package managers failed:\n${install.stdout}\n${install.stderr}`);
  const bin = path.join(prefix, 'node_modules', '.bin');
  // Only this test's managers: no corepack shim or global install may answer instead.
  // better-sqlite3 (the default SQLite storage) is compiled once per machine and installed from that
  // prebuilt tarball by every manager: its install script still runs (which the manager must allow).
  progress('▸ better-sqlite3: the prebuilt addon (compiled once per machine) …');
  const prebuilds = await ensureBetterSqlite3Prebuild();
  progress(`  better-sqlite3: ${prebuilds.built ? 'compiled' : 'found'} ${prebuilds.file}`);
  env = { ...process.env, ...prebuildEnv(prebuilds.dir), PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_user_agent: '' };
  // Bun's binary is put in place by its postinstall; an npm that skipped it leaves a placeholder.
  if (sh('bun --version', work).status !== 0) {
    const setup = spawnSync(process.execPath, [path.join(prefix, 'node_modules', 'bun', 'install.js')], { cwd: path.join(prefix, 'node_modules', 'bun'), env, encoding: 'utf8' });
    if (setup.status !== 0) throw new Error(`bun's install script failed:\n${setup.stderr}`);
  }
  for (const [pm, version] of [['pnpm', PM_VERSIONS.pnpm], ['bun', PM_VERSIONS.bun], ['yarn', PM_VERSIONS.yarn]] as const) {
    const which = sh(`${pm} --version`, work);
    if (which.stdout.trim() !== version) throw new Error(`${pm} --version gave "${which.output.trim()}", expected ${version}`);
  }
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

function checkManager(pm: PackageManager): void {
  const info = packageManagerInfo(pm);
  const dir = `srv-${pm}`;
  const project = () => path.join(work, dir);

  it(`generates, installs and builds with ${pm} (the generator's own post-steps)`, () => {
    const run = step(`${pm}: generate ${dir} (stdio, SQLite, files and notes) with install and build`, () =>
      runCli([dir, '--yes', '--transport', 'stdio', '--storage', 'sqlite', '--tools', 'files,notes', '--no-git', '--package-manager', pm], { cwd: work, env }),
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(existsSync(path.join(project(), info.lockfile)), `${info.lockfile} missing`).toBe(true);
    for (const other of LOCKFILES.filter((name) => name !== info.lockfile)) expect(existsSync(path.join(project(), other)), `${other} must not exist`).toBe(false);
    expect(existsSync(path.join(project(), 'dist', 'transports', 'stdio.js'))).toBe(true);
    // Files the manager needs (yarn: .yarnrc.yml with nodeLinker: node-modules, or Plug'n'Play breaks `node dist/…`).
    for (const file of info.files) expect(readFileSync(path.join(project(), file.path), 'utf8')).toBe(file.content);
    if (pm === 'yarn') expect(existsSync(path.join(project(), 'node_modules', '@modelcontextprotocol', 'server'))).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(project(), 'package.json'), 'utf8'));
    expect(pkg.packageManager).toBe(info.packageManagerField);
    expect(JSON.stringify(pkg.scripts)).not.toMatch(/\bnpm\b/);
    // The closing message speaks this manager.
    expect(run.stdout).toContain(`  ${info.run('test')} `);
    expect(run.stdout).not.toMatch(/\bnpm (run|test|install)\b/);
  }, 600_000);

  it(`${pm}: a clean install exactly from the lockfile (as CI does) leaves it unchanged`, () => {
    const lockfile = path.join(project(), info.lockfile);
    const before = readFileSync(lockfile);
    rmSync(path.join(project(), 'node_modules'), { recursive: true, force: true });
    const result = step(`${pm}: ${info.frozenInstall}`, () => sh(info.frozenInstall, project()));
    expect(result.status, result.output.slice(-4000)).toBe(0);
    expect(readFileSync(lockfile).equals(before), `${info.frozenInstall} changed ${info.lockfile}`).toBe(true);
  }, 600_000);

  it(`${pm}: ${info.run('test')} passes the project's own tests`, () => {
    const result = step(`${pm}: ${info.run('test')}`, () => sh(info.run('test'), project()));
    expect(result.status, result.output.slice(-8000)).toBe(0);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
    expect(result.output).not.toMatch(/Tests\s+.*\d+ failed/);
  }, 600_000);

  it(`${pm}: the silent run prints exactly what the script prints`, () => {
    // A one-record audit log folder, written with the project's own key (from its .env).
    const log = path.join(work, `audit-${pm}`);
    const write = `const { loadConfig } = await import('./dist/config.js'); const { AuditLog } = await import('./dist/security/audit.js');
      const log = AuditLog.open({ dir: ${JSON.stringify(log)}, key: loadConfig().auditHmacKey });
      log.write({ correlationId: 'c', principal: 'local', tool: 'whoami', outcome: 'ok', durationMs: 0, args: {} }); log.close();`;
    const written = spawnSync(process.execPath, ['--input-type=module', '-e', write], { cwd: project(), env, encoding: 'utf8' });
    expect(written.status, written.stderr).toBe(0);
    const direct = spawnSync(process.execPath, ['dist/cli/audit-verify.js', log], { cwd: project(), env, encoding: 'utf8' });
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout).toContain('OK: 3 records');
    const silent = step(`${pm}: ${info.runSilent('audit:verify', log)}`, () => sh(info.runSilent('audit:verify', log), project(), 120_000));
    expect(silent.status, silent.output).toBe(0);
    expect(silent.stdout).toBe(direct.stdout);
  }, 180_000);
}

describe('pnpm', () => checkManager('pnpm'));
describe('bun', () => checkManager('bun'));
describe('yarn', () => checkManager('yarn'));
