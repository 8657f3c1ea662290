// The package as a user gets it: `npm pack` of a clean copy of the repository (no dist/, so prepack must
// build it), the tarball installed into an empty folder (its dependencies from the registry), then
// `npx create-secure-mcp` and `npm create secure-mcp` run through that install — with a dead registry,
// offline and an empty cache, so only the installed package can have answered. The tarball's file list
// is checked against what the package needs, and the shipped template bundle against the shipped
// templates.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceHash, templateKey } from '../../src/generate/template-loader.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** Never copied into the clean copy: what a fresh clone does not have. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.git', 'coverage']);

const started = Date.now();
function progress(text: string): void {
  process.stderr.write(`[packed ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);
}

/** The environment of a child npm: nothing inherited from an outer `npm test` (npm_* settings, INIT_CWD). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, what: string): SpawnSyncReturns<string> {
  const begin = Date.now();
  progress(`▸ ${what} …`);
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  progress(`  ${what}: exit ${result.status} after ${((Date.now() - begin) / 1000).toFixed(1)}s`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Every file below dir, as POSIX paths relative to dir. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * The files a clone would have, as they are now: git's tracked and untracked-but-not-ignored files
 * (so no dist/, node_modules/ or local junk), or, outside a git checkout, everything but NOT_IN_A_CLONE.
 */
function copyWorkingTree(to: string): void {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
  if (git.status !== 0) {
    cpSync(REPO, to, { recursive: true, filter: (source) => !NOT_IN_A_CLONE.has(path.relative(REPO, source).split(path.sep)[0] ?? '') });
    return;
  }
  for (const file of git.stdout.split('\0').filter(Boolean)) {
    const from = path.join(REPO, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in the index
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    cpSync(from, path.join(to, file));
  }
}

let work: string;
let packed: string[];
let installed: string;
const projects = { npx: '', create: '' };
let offlineEnv: NodeJS.ProcessEnv;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-packed-'));
  const clone = path.join(work, 'repo');
  const out = path.join(work, 'tarball');
  const home = path.join(work, 'home');
  mkdirSync(out);
  mkdirSync(home);

  // A clean copy of the working tree: no dist/, so only prepack can make the package work. Its
  // node_modules is the repository's (build tools only; nothing from it is packed).
  copyWorkingTree(clone);
  symlinkSync(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  const pack = run('npm', ['pack', '--json', '--pack-destination', out], clone, cleanEnv(), 'npm pack (prepack builds dist/)');
  const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  packed = info.files.map((file) => file.path).sort();
  const tarball = path.join(out, path.basename(info.filename));

  // An empty folder installs the tarball; the dependencies come from the registry (or npm's cache).
  const consumer = path.join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), `${JSON.stringify({ name: 'packed-consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  run('npm', ['install', '--no-package-lock', '--prefer-offline', tarball], consumer, cleanEnv(), 'npm install <tarball>');
  installed = path.join(consumer, 'node_modules', 'create-secure-mcp');

  // From here on no registry can answer: a closed port, offline, an empty cache. A run that found
  // create-secure-mcp anywhere but in the local install would fail.
  const offline = cleanEnv({
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_offline: 'true',
    npm_config_cache: path.join(work, 'empty-cache'),
    HOME: home,
  });
  run('npx', ['create-secure-mcp', 'app', '--yes', '--no-install', '--no-git'], consumer, offline, 'npx create-secure-mcp app');
  run('npm', ['create', 'secure-mcp', 'app2', '--', '--yes', '--no-install', '--no-git'], consumer, offline, 'npm create secure-mcp app2');
  projects.npx = path.join(consumer, 'app');
  projects.create = path.join(consumer, 'app2');
  offlineEnv = offline;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships only what it needs: bin, the bundled CLI, the precompiled templates, templates, README and package.json', () => {
    const allowed = (file: string): boolean =>
      file === 'package.json' ||
      file === 'README.md' ||
      /^LICENSE(\.md)?$/.test(file) ||
      file === 'bin/create-secure-mcp.js' ||
      file === 'dist/bundle/create-secure-mcp.js' ||
      file === 'dist/generate/precompiled-templates.js' ||
      file === 'schema/preset.schema.json' ||
      file === 'release-notes.json' ||
      file.startsWith('templates/');
    expect(packed.filter((file) => !allowed(file))).toEqual([]);
    expect(packed).toContain('dist/bundle/create-secure-mcp.js');
    expect(packed).toContain('dist/generate/precompiled-templates.js');
    expect(packed).toContain('schema/preset.schema.json');
    // No build artefacts of the generator; a template's own declaration file (templates/base/src/types/*.d.ts) is source.
    expect(packed.filter((file) => !file.startsWith('templates/') && (file.endsWith('.map') || file.endsWith('.d.ts') || file.endsWith('.tsbuildinfo')))).toEqual([]);
    // Every template of the copy that was packed, and nothing else under templates/.
    const templates = listFiles(path.join(work, 'repo', 'templates')).map((file) => `templates/${file}`);
    expect(packed.filter((file) => file.startsWith('templates/'))).toEqual(templates);
  });

  it('the bundled CLI links from the install, and every relative dynamic import names a shipped file', () => {
    // --version links every static import of the bundle (a package left out of dependencies fails here).
    const version = spawnSync(process.execPath, [path.join(installed, 'bin', 'create-secure-mcp.js'), '--version'], { cwd: installed, encoding: 'utf8' });
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe(VERSION);
    const modules = packed.filter((file) => file.startsWith('dist/') && file.endsWith('.js'));
    // Lazy imports are only linked when they run: check their literal targets by name.
    const shipped = new Set(packed);
    const unresolved: string[] = [];
    for (const file of modules) {
      if (file === 'dist/generate/precompiled-templates.js') continue; // data: generated code in strings
      const text = readFileSync(path.join(installed, file), 'utf8');
      for (const match of text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1] as string));
        if (!shipped.has(target)) unresolved.push(`${file} → ${match[1]}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('the shipped template bundle has a current entry for every shipped .hbs', async () => {
    // Checked with the loader's own key and hash functions against the installed files.
    const { templates } = (await import(pathToFileURL(path.join(installed, 'dist', 'generate', 'precompiled-templates.js')).href)) as { templates: Record<string, { hash: string }> };
    const dir = path.join(installed, 'templates');
    const hbs = listFiles(dir).filter((file) => file.endsWith('.hbs'));
    const problems: string[] = [];
    for (const relative of hbs) {
      const file = path.join(dir, ...relative.split('/'));
      const key = templateKey(file, dir) as string;
      const entry = Object.hasOwn(templates, key) ? templates[key] : undefined;
      if (!entry) problems.push(`missing ${key}`);
      else if (entry.hash !== sourceHash(readFileSync(file, 'utf8'))) problems.push(`stale ${key}`);
    }
    expect(problems).toEqual([]);
    expect(hbs.length).toBeGreaterThan(0);
    expect(Object.keys(templates).length).toBe(hbs.length);
  });

  it('the runs could not have fetched it: the same npx without the install finds no registry', () => {
    const elsewhere = path.join(work, 'no-install');
    mkdirSync(elsewhere);
    const result = spawnSync('npx', ['create-secure-mcp', 'app', '--yes', '--no-install', '--no-git'], { cwd: elsewhere, env: offlineEnv, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ENOTCACHED|ECONNREFUSED|offline/);
    expect(existsSync(path.join(elsewhere, 'app'))).toBe(false);
  });

  it('add tool runs from the installed package: its templates are shipped and node-plop resolves from the install', () => {
    const bin = path.join(installed, 'bin', 'create-secure-mcp.js');
    const result = spawnSync(process.execPath, [bin, 'add', 'tool', 'packed_tool', '--yes'], { cwd: projects.create, env: offlineEnv, encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(projects.create, 'src', 'tools', 'packed_tool.ts'), 'utf8')).toContain('defineTool');
    expect(existsSync(path.join(projects.create, 'test', 'tools', 'packed_tool.test.ts'))).toBe(true);
    expect(packed.filter((file) => file.startsWith('templates/add-tool/')).sort()).toEqual(['templates/add-tool/tool.test.ts.hbs', 'templates/add-tool/tool.ts.hbs']);
  });

  it('--preset and preset init run from the installed package: the shipped schema is found and ajv resolves from the install', () => {
    const bin = path.join(installed, 'bin', 'create-secure-mcp.js');
    const cwd = mkdtempSync(path.join(work, 'preset-'));
    const init = spawnSync(process.execPath, [bin, 'preset', 'init', 'team.json', '--name', 'team-mcp', '--transport', 'stdio', '--storage', 'none', '--tools', 'files', '--lock', 'transport'], { cwd, env: offlineEnv, encoding: 'utf8', timeout: 120_000 });
    expect(init.status, init.stderr).toBe(0);
    const create = spawnSync(process.execPath, [bin, 'srv', '--preset', './team.json', '--no-install', '--no-git'], { cwd, env: offlineEnv, encoding: 'utf8', timeout: 120_000 });
    expect(create.status, create.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, 'srv', 'secure-mcp.json'), 'utf8')).preset).toMatchObject({ name: 'team-mcp', locked: ['transport'] });
    writeFileSync(path.join(cwd, 'bad.json'), JSON.stringify({ name: 'team-mcp', version: '1.0.0', options: { transport: 'pigeon' } }));
    const bad = spawnSync(process.execPath, [bin, 'srv2', '--preset', './bad.json', '--yes'], { cwd, env: offlineEnv, encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('/options/transport must be equal to one of the allowed values');
  });

  for (const [how, key] of [['npx create-secure-mcp', 'npx'], ['npm create secure-mcp', 'create']] as const) {
    it(`${how} generates a project through the installed package`, () => {
      const project = projects[key];
      for (const file of ['package.json', 'src/server.ts', 'README.md', '.env', 'secure-mcp.json']) {
        expect(existsSync(path.join(project, file)), file).toBe(true);
      }
      expect(statSync(path.join(project, '.env')).mode & 0o777).toBe(0o600);
      // The generator that ran records its version: ours, from the tarball.
      const manifest = JSON.parse(readFileSync(path.join(project, 'secure-mcp.json'), 'utf8')) as { generatorVersion: string };
      expect(manifest.generatorVersion).toBe(VERSION);
      expect(existsSync(path.join(project, 'node_modules'))).toBe(false); // --no-install
    });
  }
});
