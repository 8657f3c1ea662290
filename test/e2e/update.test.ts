// `create-secure-mcp update` end to end, through the built CLI. An OLD generator is made in the test: a copy
// of this repository whose package.json says 0.0.9, whose guard.ts template is weaker than today's
// (validation errors list up to 100 issues instead of 10), that lacks a test file today's templates have
// (test/server.test.ts) and has a doc today's do not (docs/UPGRADING-0.0.9.md), packed with `npm pack`
// (prepack builds it). Projects are generated with that old CLI (HTTP + api-key, no database), committed,
// and edited as a user would: a tool added with the old CLI's `add tool`, a config default changed where
// the template did not change, a line of guard.ts changed far from the template's change (a clean merge)
// — and, in a second copy, the very line the template changed (a conflict). Then the CURRENT CLI runs
// `update --from` (the tarball, and the folder for the conflicting copy): the template's change lands, the
// user's edits and the added tool survive, the new file is added and the dropped one removed, secrets are
// byte for byte the same, the manifest records the current version, and `check`'s security-fix item
// (SMCP-UPDATE-001) goes from warn to pass; the conflicting copy exits 1 with markers in that file only.
// Without --from, the same old version comes from a local registry (a process on 127.0.0.1 serving the
// packed tarball, test/support/local-registry.ts; never the public registry): that update equals the
// --from one, and its temporary folder is gone afterwards. --to renders theirs with another fetched
// version (0.0.10: the old tarball with its version changed). Refusals (not a git work tree, dirty work
// tree, a version the registry lacks — exit 2 — a --to older than the project) change nothing; --dry-run
// writes nothing. Finally the updated project installs, typechecks and passes its whole test suite (no
// database: the install stays quick, and --storage none changes nothing update does).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.js';
import { npm } from '../support/generated.js';
import { startLocalRegistry, type LocalRegistry } from '../support/local-registry.js';
import { timed } from '../support/progress.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const OLD_VERSION = '0.0.9';
/** The old generator again, only its version changed: what --to fetches. */
const NEXT_OLD_VERSION = '0.0.10';
/** Never copied into the old generator: what a fresh clone does not have. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.git', 'coverage']);

// The template change between 0.0.9 and now, in templates/base/src/security/guard.ts (issuesText).
const GUARD = 'src/security/guard.ts';
const NEW_LINE = '    .slice(0, 10)';
const OLD_LINE = '    .slice(0, 100)';
// The user's edits.
const GUARD_USER_FROM = "'tool reached without the guard envelope; refusing'";
const GUARD_USER_TO = "'tool reached without the guard envelope (tools must be registered through installGuard); refusing'";
const CLASH_LINE = '    .slice(0, 25)';
const CONFIG_FROM = 'default: String(64 * MiB) },';
const CONFIG_TO = 'default: String(32 * MiB) },';
const CONFIG_TEST_FROM = 'auditSegmentMaxBytes: 64 * 1024 * 1024,';
const CONFIG_TEST_TO = 'auditSegmentMaxBytes: 32 * 1024 * 1024,';
// A file only the current templates have (update adds it), and one only the old ones have (update removes it).
const ADDED = 'test/server.test.ts';
const REMOVED = 'docs/UPGRADING-0.0.9.md';
/** Files update must never touch (git-ignored secrets): compared byte for byte. */
const SECRETS = ['.env', '.secrets/dev-api-key', 'api-keys.json'];
/** Among the project's tests, those that cover what the update changed: they must be among the files run. */
const TOUCHED_TESTS = ['test/guard.test.ts', 'test/config.test.ts', 'test/tools-contract.test.ts', 'test/fuzz-tools.test.ts', 'test/tools/get_weather.test.ts', 'test/server.test.ts', 'test/http.test.ts'];

const GIT_IDENTITY = ['-c', 'user.name=update-e2e', '-c', 'user.email=update-e2e@example.invalid', '-c', 'commit.gpgsign=false'];

let work: string;
let oldRepo: string;
let oldTarball: string;
/** The clean-merge project, its conflicting twin, and a project outside git. */
let app: string;
let clash: string;
let loose: string;
/** Copies of app after the user's edits: updated without --from (fetched), and --to NEXT_OLD_VERSION. */
let fetched: string;
let toNext: string;
/** Serves create-secure-mcp OLD_VERSION and NEXT_OLD_VERSION; `empty` serves nothing. */
let registry: LocalRegistry;
let empty: LocalRegistry;
let appHead: string;
let secretsBefore: Map<string, string>;
let toolFilesBefore: Map<string, string>;
/** SMCP-UPDATE-001 on the project before the update. */
let checkBefore: CheckItem | undefined;

interface CheckItem {
  id: string;
  status: string;
  message: string;
}

/** The current CLI's `check` item SMCP-UPDATE-001 (the security-fix warning) on `project`. */
function updateItem(project: string): CheckItem | undefined {
  const result = runCli(['check', project, '--json', '--offline'], { cwd: work });
  const report = JSON.parse(result.stdout) as { items: CheckItem[] };
  return report.items.find((item) => item.id === 'SMCP-UPDATE-001');
}

/** The environment of a child npm/node: nothing inherited from an outer `npm test` (npm_* settings, INIT_CWD). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): CliRun {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(result: CliRun, what: string): CliRun {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The OLD generator's CLI (the copy's bin, which runs its own bundle). */
function oldCli(args: readonly string[], cwd: string): CliRun {
  return run(process.execPath, [path.join(oldRepo, 'bin', 'create-secure-mcp.js'), ...args], cwd, cleanEnv({ npm_config_user_agent: '' }));
}

function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', [...GIT_IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The current CLI's `update`, with the output of both streams together (what a user sees). */
function update(project: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun & { output: string } {
  const result = runCli(['update', ...args], { cwd: project, env });
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

/** Commits everything in `dir` (a new repository when `init`). */
function commitAll(dir: string, message: string, init = false): void {
  if (init) git(['init', '-q'], dir);
  git(['add', '-A'], dir);
  git(['commit', '-q', '-m', message], dir);
}

/** A copy of a project with its repository, at `work/<name>`. */
function copyProject(from: string, name: string): string {
  const to = path.join(work, name);
  cpSync(from, to, { recursive: true });
  return to;
}

/** The files of the same git repository as the user's copy: the repository's tracked and untracked-but-not-ignored files. */
function copyWorkingTree(to: string): void {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
  if (listed.status !== 0) {
    cpSync(REPO, to, { recursive: true, filter: (source) => !NOT_IN_A_CLONE.has(path.relative(REPO, source).split(path.sep)[0] ?? '') });
    return;
  }
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (NOT_IN_A_CLONE.has(file.split('/')[0] ?? '')) continue;
    const from = path.join(REPO, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in the index
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    cpSync(from, path.join(to, file));
  }
}

/** Replaces exactly one occurrence of `from` in `file` (fails loudly when the anchor moved). */
function replaceOnce(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected exactly one ${JSON.stringify(from)} in ${file}, found ${count}: the test's anchor no longer matches the template`);
  writeFileSync(file, text.replace(from, to));
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file below `dir` (POSIX, relative) → sha256, without node_modules/ and .git/. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full).split(path.sep).join('/');
    if (!entry.isFile() || /^(node_modules|\.git)(\/|$)/.test(relative)) continue;
    out.set(relative, sha256(full));
  }
  return out;
}

/** Files below `dir` holding a conflict marker line. */
function filesWithMarkers(dir: string): string[] {
  const found: string[] = [];
  for (const relative of snapshot(dir).keys()) {
    const text = readFileSync(path.join(dir, ...relative.split('/')), 'utf8');
    if (/^(<<<<<<<|>>>>>>>)( |$)/m.test(text)) found.push(relative);
  }
  return found.sort();
}

const porcelain = (dir: string): string => git(['status', '--porcelain', '--untracked-files=all'], dir).trim();
const read = (dir: string, file: string): string => readFileSync(path.join(dir, ...file.split('/')), 'utf8');
/** The table row of `file` in update's output (its first line naming the path as a whole word). */
function row(output: string, file: string): string {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return output.split('\n').find((line) => new RegExp(`(^|\\s)${escaped}(\\s|$)`).test(line)) ?? `(no row for ${file})`;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-e2e-update-'));

  // The old generator: this repository as a clean copy, made older.
  oldRepo = path.join(work, 'old-generator');
  copyWorkingTree(oldRepo);
  const pkgFile = path.join(oldRepo, 'package.json');
  writeFileSync(pkgFile, `${JSON.stringify({ ...(JSON.parse(readFileSync(pkgFile, 'utf8')) as object), version: OLD_VERSION }, null, 2)}\n`);
  replaceOnce(path.join(oldRepo, 'templates', 'base', ...GUARD.split('/')), NEW_LINE, OLD_LINE);
  rmSync(path.join(oldRepo, 'templates', 'base', ...ADDED.split('/')));
  mkdirSync(path.join(oldRepo, 'templates', 'base', 'docs'));
  writeFileSync(path.join(oldRepo, 'templates', 'base', ...REMOVED.split('/')), '# Upgrading to 0.0.9\n\nNothing to do.\n');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(oldRepo, 'node_modules'), 'dir');
  const packed = timed('npm pack the old generator (prepack builds it)', () => run('npm', ['pack', '--json', '--pack-destination', work], oldRepo));
  must(packed, 'npm pack of the old generator');
  const [info] = JSON.parse(packed.stdout) as [{ filename: string }];
  oldTarball = path.join(work, path.basename(info.filename));
  must(oldCli(['--version'], work), 'the old CLI');
  // The same package as NEXT_OLD_VERSION: unpacked, its version changed, packed again.
  const next = path.join(work, 'next');
  mkdirSync(next);
  execFileSync('tar', ['-xzf', oldTarball, '-C', next]);
  const nextPkg = path.join(next, 'package', 'package.json');
  writeFileSync(nextPkg, `${JSON.stringify({ ...(JSON.parse(readFileSync(nextPkg, 'utf8')) as object), version: NEXT_OLD_VERSION }, null, 2)}\n`);
  const nextTarball = path.join(work, `create-secure-mcp-${NEXT_OLD_VERSION}.tgz`);
  execFileSync('tar', ['-czf', nextTarball, '-C', next, 'package']);
  registry = await startLocalRegistry({ 'create-secure-mcp': { [OLD_VERSION]: oldTarball, [NEXT_OLD_VERSION]: nextTarball } });
  empty = await startLocalRegistry({});

  // A project made by the old generator, committed.
  timed('generate the project with the old CLI', () => must(oldCli(['app', '--yes', '--no-install', '--no-git', '--storage', 'none', '--tools', 'files'], work), 'generating app'));
  app = path.join(work, 'app');
  commitAll(app, 'generated by create-secure-mcp 0.0.9', true);
  // The twin, before the user's edits (the whole repository with it).
  clash = copyProject(app, 'clash');

  // The user's edits: a tool, a config default (and its test), a guard.ts line far from the template's change.
  must(oldCli(['add', 'tool', 'get_weather', '--read-only', '--yes'], app), 'add tool get_weather');
  replaceOnce(path.join(app, 'src', 'config.ts'), CONFIG_FROM, CONFIG_TO);
  replaceOnce(path.join(app, 'test', 'config.test.ts'), CONFIG_TEST_FROM, CONFIG_TEST_TO);
  replaceOnce(path.join(app, ...GUARD.split('/')), GUARD_USER_FROM, GUARD_USER_TO);
  commitAll(app, 'my tool and settings');
  fetched = copyProject(app, 'fetched');
  toNext = copyProject(app, 'to-next');
  appHead = git(['rev-parse', 'HEAD'], app).trim();
  if (existsSync(path.join(app, ...ADDED.split('/'))) || !existsSync(path.join(app, ...REMOVED.split('/')))) throw new Error('the old generator did not render the old file set');
  secretsBefore = new Map(SECRETS.map((file) => [file, sha256(path.join(app, ...file.split('/')))]));
  checkBefore = updateItem(app);
  toolFilesBefore = new Map(['src/tools/get_weather.ts', 'test/tools/get_weather.test.ts'].map((file) => [file, sha256(path.join(app, ...file.split('/')))]));

  // The twin changes the very line the template changed.
  replaceOnce(path.join(clash, ...GUARD.split('/')), OLD_LINE, CLASH_LINE);
  commitAll(clash, 'list 25 issues');

  // A project outside any git work tree.
  must(oldCli(['loose', '--yes', '--no-install', '--no-git', '--storage', 'none', '--tools', 'files'], work), 'generating loose');
  loose = path.join(work, 'loose');
}, 600_000);

afterAll(async () => {
  await registry?.close();
  await empty?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('update refuses, and changes nothing', () => {
  it('a folder that is not a git work tree: exit 1, cause and hint', () => {
    const before = snapshot(loose);
    const result = update(loose, ['--from', oldTarball]);
    expect(result.status, result.output).toBe(1);
    expect(result.stderr).toMatch(/git/i);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(snapshot(loose)).toEqual(before);
  });

  it('a dirty work tree: exit 1, nothing changed', () => {
    const readme = path.join(app, 'README.md');
    writeFileSync(readme, `${read(app, 'README.md')}\nmy unsaved note\n`);
    const before = snapshot(app);
    try {
      const result = update(app, ['--from', oldTarball]);
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toMatch(/uncommitted|not clean|clean/i);
      expect(result.stderr).toContain('README.md');
      expect(snapshot(app)).toEqual(before);
    } finally {
      git(['checkout', '--', 'README.md'], app);
    }
    expect(porcelain(app)).toBe('');
  });

  it('a project of another version, no --from, and a registry without that version: exit 2, the hint names --from', () => {
    const result = update(app, [], empty.env());
    expect(result.status, result.output).toBe(2);
    expect(result.stderr).toContain(`update needs create-secure-mcp ${OLD_VERSION}, the version that made the project`);
    expect(result.stderr).toContain('the registry could not supply it');
    expect(result.stderr).toContain('--from');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(porcelain(app)).toBe('');
  });

  it('--to a version the registry lacks: exit 2; --to older than the project: exit 1', () => {
    const missing = update(app, ['--from', oldTarball, '--to', '9.9.9'], empty.env());
    expect(missing.status, missing.output).toBe(2);
    expect(missing.stderr).toContain('--to 9.9.9');
    const older = update(app, ['--from', oldTarball, '--to', '0.0.8'], registry.env());
    expect(older.status, older.output).toBe(1);
    expect(older.stderr).toContain(`--to 0.0.8 is older than ${OLD_VERSION}, the version that made the project`);
    expect(porcelain(app)).toBe('');
  });
});

describe('update --dry-run', () => {
  it('prints the table and leaves the work tree clean', () => {
    const before = snapshot(app);
    const result = timed('update --dry-run', () => update(app, ['--from', oldTarball, '--dry-run']));
    expect(result.status, result.output).toBe(0);
    expect(row(result.stdout, GUARD)).toMatch(/\bmerged\b/);
    expect(row(result.stdout, 'src/tools/get_weather.ts')).not.toMatch(/\b(updated|merged|conflict|removed)\b/);
    expect(porcelain(app)).toBe('');
    expect(snapshot(app)).toEqual(before);
    expect(git(['rev-parse', 'HEAD'], app).trim()).toBe(appHead);
  });
});

describe(`update --from <${OLD_VERSION} tarball>, user edits away from the template's change`, () => {
  let result: CliRun & { output: string };
  beforeAll(() => {
    result = timed('update --from <old tarball>', () => update(app, ['--from', oldTarball]));
  });

  it('exits 0, prints the table and the next commands, and leaves the changes uncommitted', () => {
    expect(result.status, result.output).toBe(0);
    expect(row(result.stdout, GUARD)).toMatch(/\bmerged\b/);
    expect(result.stdout).toMatch(/npm (install|ci)/);
    expect(result.stdout).toContain('npm run typecheck');
    expect(result.stdout).toMatch(/npm (run )?test/);
    expect(git(['rev-parse', 'HEAD'], app).trim()).toBe(appHead);
    expect(porcelain(app)).toContain(GUARD);
  });

  it("the template's change lands, and the user's edit of the same file stays", () => {
    const guard = read(app, GUARD);
    expect(guard).toContain(`${NEW_LINE}\n`);
    expect(guard).not.toContain(OLD_LINE);
    expect(guard).toContain(GUARD_USER_TO);
  });

  it("the user's config default (and its test) stay", () => {
    expect(read(app, 'src/config.ts')).toContain(CONFIG_TO);
    expect(read(app, 'test/config.test.ts')).toContain(CONFIG_TEST_TO);
  });

  it('the added tool stays registered, with its files as they were, in the README and SECURITY.md', () => {
    for (const [file, hash] of toolFilesBefore) expect(sha256(path.join(app, ...file.split('/'))), file).toBe(hash);
    const index = read(app, 'src/tools/index.ts');
    expect(index).toContain("import { getWeatherTool } from './get_weather.js';");
    expect(index).toContain('getWeatherTool,');
    expect(read(app, 'README.md')).toContain('| `get_weather` |');
    expect(read(app, 'SECURITY.md')).toMatch(/\*\*Tools:\*\*.*`get_weather`/);
  });

  it('the version the templates print moves to the current one (README, SECURITY.md, package.json new:tool)', () => {
    expect(read(app, 'README.md')).toContain(`generated by \`create-secure-mcp\` ${VERSION}`);
    expect(read(app, 'SECURITY.md')).toContain(`\`create-secure-mcp\` ${VERSION}`);
    const scripts = (JSON.parse(read(app, 'package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['new:tool']).toContain(`create-secure-mcp@${VERSION}`);
  });

  it('a file new in the templates is added; one the templates dropped (and the user never changed) is removed', () => {
    expect(row(result.stdout, ADDED)).toMatch(/\badded\b/);
    expect(read(app, ADDED)).toBe(readFileSync(path.join(REPO, 'templates', 'base', ...ADDED.split('/')), 'utf8'));
    expect(row(result.stdout, REMOVED)).toMatch(/\bremoved\b/);
    expect(existsSync(path.join(app, ...REMOVED.split('/')))).toBe(false);
  });

  it('secrets are byte for byte the same', () => {
    for (const [file, hash] of secretsBefore) expect(sha256(path.join(app, ...file.split('/'))), file).toBe(hash);
  });

  it(`secure-mcp.json records ${VERSION}, its spec unchanged`, () => {
    const manifest = JSON.parse(read(app, 'secure-mcp.json')) as { generatorVersion: string; spec: { storage: string; tools: string[] } };
    expect(manifest.generatorVersion).toBe(VERSION);
    expect(manifest.spec).toMatchObject({ storage: 'none', tools: ['files'] });
  });

  it("check's security-fix item warned before (naming the fix and update) and passes after", () => {
    expect(checkBefore).toMatchObject({ status: 'warn' });
    expect(checkBefore?.message).toContain('SMCP-FIX-2026-001');
    expect(checkBefore?.message).toContain('create-secure-mcp update');
    expect(updateItem(app)).toMatchObject({ status: 'pass' });
  });

  it('no conflict marker anywhere', () => {
    expect(filesWithMarkers(app)).toEqual([]);
    expect(result.stdout.split('\n').filter((line) => /^\s*\S+\s+conflict\s/.test(line))).toEqual([]); // no table row says conflict
  });
});

describe(`update without --from: ${OLD_VERSION} fetched from the (local) registry`, () => {
  let result: CliRun & { output: string };
  let tmp: string;
  let served: string[];
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(work, 'tmp-'));
    result = timed('update, the old version fetched', () => update(fetched, [], { ...registry.env(), TMPDIR: tmp }));
    served = await registry.requests();
  });

  it('exits 0 after npm fetched the tarball of that version', () => {
    expect(result.status, result.output).toBe(0);
    expect(served).toContain(`GET /create-secure-mcp/-/create-secure-mcp-${OLD_VERSION}.tgz 200`);
  });

  it('writes exactly what the --from update wrote', () => {
    expect(snapshot(fetched)).toEqual(snapshot(app));
  });

  it('leaves no temporary folder behind', () => {
    expect(readdirSync(tmp).filter((name) => name.startsWith('create-secure-mcp-'))).toEqual([]);
  });
});

describe(`update --to ${NEXT_OLD_VERSION}: theirs rendered by that version, fetched`, () => {
  let result: CliRun & { output: string };
  beforeAll(() => {
    result = timed(`update --to ${NEXT_OLD_VERSION}`, () => update(toNext, ['--to', NEXT_OLD_VERSION], registry.env()));
  });

  it(`exits 0; secure-mcp.json records ${NEXT_OLD_VERSION}; its templates, not this version's, are what landed`, () => {
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain(`update from create-secure-mcp ${OLD_VERSION} to create-secure-mcp ${NEXT_OLD_VERSION}`);
    expect((JSON.parse(read(toNext, 'secure-mcp.json')) as { generatorVersion: string }).generatorVersion).toBe(NEXT_OLD_VERSION);
    expect(read(toNext, 'README.md')).toContain(`generated by \`create-secure-mcp\` ${NEXT_OLD_VERSION}`);
    // 0.0.10 has the old guard and file set: the running version's changes did not come with it.
    expect(read(toNext, GUARD)).toContain(OLD_LINE);
    expect(read(toNext, GUARD)).toContain(GUARD_USER_TO);
    expect(existsSync(path.join(toNext, ...ADDED.split('/')))).toBe(false);
    expect(existsSync(path.join(toNext, ...REMOVED.split('/')))).toBe(true);
  });
});

describe(`update --from <${OLD_VERSION} folder>, the user changed the line the template changed`, () => {
  let result: CliRun & { output: string };
  beforeAll(() => {
    result = timed('update --from <old generator folder> (conflict)', () => update(clash, ['--from', oldRepo]));
  });

  it('exits 1 and lists the conflicted file', () => {
    expect(result.status, result.output).toBe(1);
    expect(row(result.stdout, GUARD)).toMatch(/\bconflict\b/);
    const listed = result.output.split('\n').filter((line) => line.includes(GUARD));
    expect(listed.length, result.output).toBeGreaterThanOrEqual(2); // its table row, and the list of files to resolve
  });

  it('markers in exactly that file, both sides in them', () => {
    expect(filesWithMarkers(clash)).toEqual([GUARD]);
    const guard = read(clash, GUARD);
    expect(guard).toMatch(/^<<<<<<< yours$/m);
    expect(guard).toMatch(new RegExp(`^>>>>>>> create-secure-mcp ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    expect(guard).toContain(CLASH_LINE);
    expect(guard).toContain(NEW_LINE);
  });

  it('the other template changes still land; the changes are uncommitted', () => {
    expect(read(clash, 'README.md')).toContain(`generated by \`create-secure-mcp\` ${VERSION}`);
    expect(porcelain(clash)).not.toBe('');
  });
});

describe('the updated project', () => {
  it('installs, typechecks and passes its whole test suite (the tests of what the update touched among them)', () => {
    const install = timed('npm install the updated project', () => npm(['install', '--no-audit', '--no-fund'], app, cleanEnv()));
    expect(install.status, install.output.slice(-4000)).toBe(0);
    const typecheck = timed('typecheck the updated project', () => npm(['run', 'typecheck'], app, cleanEnv()));
    expect(typecheck.status, typecheck.output.slice(-4000)).toBe(0);
    const tests = timed('run the updated project\'s tests', () => npm(['test'], app, cleanEnv({ CI: process.env.CI ?? '' })));
    expect(tests.status, tests.output.slice(-8000)).toBe(0);
    for (const file of TOUCHED_TESTS) expect(tests.output).toContain(file);
    expect(tests.output).toMatch(/Tests\s+\d+ passed/);
    expect(tests.output).not.toMatch(/\d+ failed/);
  }, 600_000);
});
