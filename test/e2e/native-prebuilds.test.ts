// The better-sqlite3 prebuild cache (test/support/native-prebuilds.ts) for real: the addon is compiled at
// most once per machine, then a fresh project installs better-sqlite3 with npm, pnpm, yarn and bun with
// prebuildEnv set — and each install must take the cached tarball: fast, no node-gyp compile, and the
// installed addon is byte for byte the cached one and loads.
// pnpm, yarn and bun come from the npm registry into this test's own temp folder, as in
// package-managers.test.ts (nothing global is used).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackageManager } from '../../src/options/options.js';
import { packageManagerInfo, PM_VERSIONS } from '../../src/package-managers.js';
import { PROJECT_VERSIONS } from '../../src/project-versions.js';
import { ensureBetterSqlite3Prebuild, PREBUILD_MARKER, prebuildEnv } from '../support/native-prebuilds.js';

/** The Node 20 column's better-sqlite3: the one with an install script (13.x ships its binaries). */
const VERSION = PROJECT_VERSIONS['better-sqlite3'].node20.version;
/** An install that unpacks the prebuild takes a few seconds; a compile takes over a minute. */
const FAST_MS = 20_000;

const started = Date.now();
const since = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)}s`;
function progress(text: string): void {
  process.stderr.write(`[prebuild-e2e ${since(started)}] ${text}\n`);
}

let work: string;
let prebuild: { dir: string; file: string; built: boolean };
/** The environment every install gets: PATH with this test's pnpm, yarn and bun once they are installed. */
let env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_user_agent: '' };

function sh(command: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}, timeout = 600_000) {
  const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout });
  return { status: result.status, stdout: result.stdout ?? '', output: `${result.stdout ?? ''}\n${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}` };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-prebuild-e2e-'));
  const begin = Date.now();
  progress('▸ ensureBetterSqlite3Prebuild() …');
  prebuild = await ensureBetterSqlite3Prebuild();
  progress(`  ${prebuild.built ? 'built' : 'found'} ${prebuild.file} in ${since(begin)}`);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A fresh project that depends on better-sqlite3 only, with the fields `pm` needs to run its install script. */
function probeProject(pm: PackageManager): string {
  const info = packageManagerInfo(pm);
  const dir = path.join(work, `probe-${pm}`);
  mkdirSync(dir);
  const pkg = {
    name: `prebuild-probe-${pm}`,
    version: '0.0.0',
    private: true,
    ...(info.packageManagerField ? { packageManager: info.packageManagerField } : {}),
    dependencies: { 'better-sqlite3': VERSION },
    ...info.allowBuilds({ 'better-sqlite3': VERSION }),
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const file of info.files) writeFileSync(path.join(dir, file.path), file.content);
  return dir;
}

function checkInstall(pm: PackageManager): void {
  const info = packageManagerInfo(pm);
  const project = probeProject(pm);
  const args = pm === 'npm' ? [...info.install, '--no-audit', '--no-fund'] : [...info.install];
  // pnpm would otherwise restore an earlier build of better-sqlite3 from its store (side-effects cache)
  // without running the install script: that is not the path under test.
  const extra = { ...prebuildEnv(prebuild.dir), ...(pm === 'pnpm' ? { npm_config_side_effects_cache: 'false' } : {}) };
  const begin = Date.now();
  progress(`▸ ${pm}: ${info.command} ${args.join(' ')} (better-sqlite3@${VERSION}, prebuildEnv) …`);
  const result = sh(info.command, args, project, extra);
  const ms = Date.now() - begin;
  progress(`  ${pm}: ${result.status === 0 ? 'done' : `exit ${result.status ?? 'killed'}`} in ${since(begin)}`);
  expect(result.status, result.output.slice(-6000)).toBe(0);

  // Through the symlink bun or pnpm may leave in node_modules.
  const packageDir = realpathSync(path.join(project, 'node_modules', 'better-sqlite3'));
  const addon = path.join(packageDir, 'build', 'Release', 'better_sqlite3.node');
  expect(existsSync(addon), `${addon} missing: the install script did not run\n${result.output.slice(-4000)}`).toBe(true);
  // Positive proof: the marker only exists inside the cached tarball, and the addon is the cached one.
  const markerFile = path.join(packageDir, PREBUILD_MARKER);
  expect(existsSync(markerFile), `${PREBUILD_MARKER} missing: ${pm} did not unpack the local prebuild\n${result.output.slice(-4000)}`).toBe(true);
  const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as { version: string; sha256: string };
  expect(marker.version).toBe(VERSION);
  expect(sha256(addon)).toBe(marker.sha256);
  // Negative proof: node-gyp leaves its Makefile, config.gypi and object files in build/.
  for (const leftover of ['build/Makefile', 'build/config.gypi', 'build/Release/obj.target', 'build/Release/.deps']) {
    expect(existsSync(path.join(packageDir, leftover)), `${leftover} exists: ${pm} compiled from source`).toBe(false);
  }
  expect(ms, `${pm} install took ${ms} ms`).toBeLessThan(FAST_MS);

  const probe = "const r = require('better-sqlite3')(':memory:').prepare('select 1 as x').get(); process.stdout.write(JSON.stringify(r));";
  const load = spawnSync(process.execPath, ['-e', probe], { cwd: project, encoding: 'utf8' });
  expect(load.status, load.stderr).toBe(0);
  expect(load.stdout).toBe('{"x":1}');
}

it(`the prebuild tarball is named as prebuild-install looks for it`, () => {
  expect(path.basename(prebuild.file)).toMatch(new RegExp(`^better-sqlite3-v${VERSION.replaceAll('.', '\\.')}-node-v${process.versions.modules}-${process.platform}(musl)?-${process.arch}\\.tar\\.gz$`));
  expect(existsSync(prebuild.file)).toBe(true);
});

it('a second call finds the tarball instead of building again', async () => {
  const again = await ensureBetterSqlite3Prebuild();
  expect(again).toEqual({ dir: prebuild.dir, file: prebuild.file, built: false });
});

it('concurrent callers share one build (the lock), none sees a half-written tarball', async () => {
  const all = await Promise.all([ensureBetterSqlite3Prebuild(), ensureBetterSqlite3Prebuild(), ensureBetterSqlite3Prebuild()]);
  expect(all.filter((one) => one.built).length).toBeLessThanOrEqual(1);
  for (const one of all) expect(one.file).toBe(prebuild.file);
});

it('npm installs better-sqlite3 from the local prebuild (fast, no compile)', () => checkInstall('npm'), 600_000);

describe('pnpm, yarn and bun', () => {
  beforeAll(() => {
    const prefix = path.join(work, 'pm');
    mkdirSync(prefix);
    const tools = [`pnpm@${PM_VERSIONS.pnpm}`, `bun@${PM_VERSIONS.bun}`, `@yarnpkg/cli-dist@${PM_VERSIONS.yarn}`];
    const begin = Date.now();
    progress(`▸ install ${tools.join(', ')} into ${prefix} …`);
    const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-package-lock', ...tools], { encoding: 'utf8', timeout: 600_000 });
    progress(`  managers: exit ${install.status} in ${since(begin)}`);
    if (install.status !== 0) throw new Error(`installing the package managers failed:\n${install.stdout}\n${install.stderr}`);
    const bin = path.join(prefix, 'node_modules', '.bin');
    // Only this test's managers: no corepack shim or global install may answer instead.
    env = { ...env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
    // Bun's binary is put in place by its postinstall; an npm that skipped it leaves a placeholder.
    if (sh('bun', ['--version'], work).status !== 0) {
      const setup = spawnSync(process.execPath, [path.join(prefix, 'node_modules', 'bun', 'install.js')], { cwd: path.join(prefix, 'node_modules', 'bun'), env, encoding: 'utf8' });
      if (setup.status !== 0) throw new Error(`bun's install script failed:\n${setup.stderr}`);
    }
    for (const [pm, version] of [['pnpm', PM_VERSIONS.pnpm], ['bun', PM_VERSIONS.bun], ['yarn', PM_VERSIONS.yarn]] as const) {
      const which = sh(pm, ['--version'], work);
      if (which.stdout.trim() !== version) throw new Error(`${pm} --version gave "${which.output.trim()}", expected ${version}`);
    }
  }, 900_000);

  for (const pm of ['pnpm', 'yarn', 'bun'] as const) {
    it(`${pm} installs better-sqlite3 from the local prebuild (fast, no compile)`, () => checkInstall(pm), 600_000);
  }
});
