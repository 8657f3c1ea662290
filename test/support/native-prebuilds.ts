// One build of the better-sqlite3 native addon per machine, reused by every generated project a test installs.
//
// better-sqlite3's install script is `prebuild-install || node-gyp rebuild --release`. Without GitHub the
// download fails and node-gyp compiles SQLite from source (over a minute on 2 cores) in EVERY project the
// tests install. prebuild-install first looks for a local tarball: with the environment variable
// `npm_config_better_sqlite3_local_prebuilds=<dir>` it unpacks `<dir>/<basename of the download URL>` instead
// of downloading. So: compile once (ensureBetterSqlite3Prebuild), keep `build/Release/better_sqlite3.node` as
// a tarball named exactly as prebuild-install expects, and pass prebuildEnv(dir) to every later install
// (npm, pnpm, yarn and bun all hand the environment to the install script).
//
// The tarball also holds build/Release/smcp-prebuild.json (what was built, and the .node file's sha256):
// prebuild-install unpacks every entry, so a project that has that file got its addon from here, not from
// a compile. Tests use it as the proof that an install did not compile.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_VERSIONS } from '../../src/project-versions.js';

const PACKAGE = 'better-sqlite3';
/**
 * The version that compiles: the Node 20 column's 12.x. The Node >= 22 column's 13.x ships its binaries in
 * the npm package and runs no install script, so the cache (and prebuildEnv) has nothing to do for it.
 */
const VERSION = PROJECT_VERSIONS[PACKAGE].node20.version;
/** The file inside the tarball (and then inside the installed package) that says it came from this cache. */
export const PREBUILD_MARKER = 'build/Release/smcp-prebuild.json';
const ADDON = 'build/Release/better_sqlite3.node';
/** A lock older than this is taken over even if its owner cannot be checked (another host, say). */
const LOCK_STALE_MS = 20 * 60_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;

/** Where the tarballs live: $SMCP_PREBUILD_CACHE, else $XDG_CACHE_HOME (or ~/.cache)/create-secure-mcp/prebuilds. */
export function prebuildCacheDir(): string {
  return process.env.SMCP_PREBUILD_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'create-secure-mcp', 'prebuilds');
}

/** The environment that makes prebuild-install (better-sqlite3's install script) unpack from `dir` instead of downloading. */
export function prebuildEnv(dir: string): Record<string, string> {
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

/** What prebuild-install puts in the tarball name, as the given node binary would compute it. */
export interface PrebuildTarget {
  readonly nodeVersion: string;
  readonly runtime: 'node';
  readonly abi: string;
  readonly platform: string;
  readonly arch: string;
  /** '' for glibc (and every non-Linux platform), 'musl' on musl Linux: prebuild-install's rc.js rule. */
  readonly libc: string;
}

/**
 * The basename of prebuild-install's download URL (util.js urlTemplate, default template, no binary host
 * mirror): `{name}-v{version}-{runtime}-v{abi}-{platform}{libc}-{arch}.tar.gz`, e.g.
 * better-sqlite3-v12.11.1-node-v115-linux-x64.tar.gz (linuxmusl on Alpine).
 */
export function prebuildTarballName(target: PrebuildTarget, version: string = VERSION): string {
  return `${PACKAGE}-v${version}-${target.runtime}-v${target.abi}-${target.platform}${target.libc}-${target.arch}.tar.gz`;
}

// Run by the node binary in question. libc as prebuild-install 7's rc.js: $LIBC or $npm_config_libc, else
// 'musl' on a non-glibc Linux (detect-libc); '' off Linux or for glibc.
const DESCRIBE = `
const env = process.env;
let libc = env.LIBC || env.npm_config_libc || '';
if (!libc && process.platform === 'linux') {
  const header = process.report && process.report.getReport().header;
  if (header && !header.glibcVersionRuntime) libc = 'musl';
}
if (process.platform !== 'linux' || libc === 'glibc') libc = '';
process.stdout.write(JSON.stringify({ nodeVersion: process.versions.node, runtime: 'node', abi: process.versions.modules, platform: process.platform, arch: process.arch, libc }));
`;

interface Run {
  status: number | null;
  output: string;
}

function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, output: `${output}\n${error.message}` });
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** The ABI, platform, arch and libc `nodeBinary` reports (prebuild-install runs under that node and computes the same). */
export async function describeNode(nodeBinary: string = process.execPath): Promise<PrebuildTarget> {
  const result = await run(nodeBinary, ['-e', DESCRIBE], { cwd: os.tmpdir(), env: process.env, timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${nodeBinary} could not describe itself:\n${result.output}`);
  return JSON.parse(result.output) as PrebuildTarget;
}

/** A one-file gzip'd ustar archive per entry list: prebuild-install unpacks it with tar-fs. */
function tarGz(entries: ReadonlyArray<{ name: string; data: Buffer; mode: number }>): Buffer {
  const blocks: Buffer[] = [];
  const mtime = Math.floor(Date.now() / 1000);
  for (const entry of entries) {
    if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar entry name too long: ${entry.name}`);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'utf8');
    const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
    field(0, 100, entry.name);
    octal(100, 8, entry.mode);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, entry.data.length);
    octal(136, 12, mtime);
    field(148, 8, '        ');
    field(156, 1, '0');
    field(257, 6, 'ustar\0');
    field(263, 2, '00');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, entry.data, Buffer.alloc((512 - (entry.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** Writes `data` to `file` through a temp name in the same folder and a rename, so readers never see half a file. */
function writeAtomically(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface LockOwner {
  pid: number;
  host: string;
  started: number;
}

/** A lock that is left over: its owner (on this host) is gone, or it is older than LOCK_STALE_MS. */
function isStale(lock: string): boolean {
  let owner: LockOwner | undefined;
  try {
    owner = JSON.parse(fs.readFileSync(path.join(lock, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    // Just created (owner.json not written yet) or half gone: judge by the folder's age below.
  }
  if (owner && owner.host === os.hostname()) {
    try {
      process.kill(owner.pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
  }
  try {
    const age = Date.now() - (owner?.started ?? fs.statSync(lock).mtimeMs);
    // Without owner.json, allow a few seconds for the owner to write it.
    return owner ? age > LOCK_STALE_MS : age > Math.min(LOCK_STALE_MS, 30_000);
  } catch {
    return false; // removed meanwhile: the caller simply tries again
  }
}

/**
 * Takes the lock (a folder: mkdir is atomic) or waits while another process holds it; returns false
 * instead when `done()` becomes true while waiting (the other process built what we wanted).
 */
async function acquireLock(lock: string, done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + LOCK_STALE_MS + BUILD_TIMEOUT_MS;
  let reported = false;
  for (;;) {
    if (done()) return false;
    try {
      fs.mkdirSync(lock);
      const owner: LockOwner = { pid: process.pid, host: os.hostname(), started: Date.now() };
      fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify(owner));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (isStale(lock)) {
      // Rename first (atomic), so two waiters that both judged it stale cannot both remove it.
      const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        fs.renameSync(lock, aside);
        fs.rmSync(aside, { recursive: true, force: true });
      } catch {
        // Another waiter took it over first.
      }
      continue;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for the prebuild lock ${lock}`);
    if (!reported) {
      process.stderr.write(`[prebuild] waiting for another process building ${path.basename(lock, '.lock')} …\n`);
      reported = true;
    }
    await sleep(500);
  }
}

/** The environment for the one build: the caller's, minus anything pointing at a local prebuild or at an outer npm run. */
function buildEnv(nodeBinary: string, nodedir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_)/i.test(key) || /^npm_config_better_sqlite3_/i.test(key)) continue;
    env[key] = value;
  }
  // npm, prebuild-install and node-gyp all run under this node (and its own npm when it sits beside it).
  env.PATH = `${path.dirname(nodeBinary)}${path.delimiter}${process.env.PATH ?? ''}`;
  if (nodedir) env.npm_config_nodedir = nodedir;
  env.NO_COLOR = '1';
  return env;
}

async function build(nodeBinary: string, nodedir: string | undefined, target: PrebuildTarget, version: string, file: string): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smcp-prebuild-'));
  const begin = Date.now();
  process.stderr.write(`[prebuild] building ${path.basename(file)} from source in ${work} (once per machine) …\n`);
  try {
    const pin = `${PACKAGE}@${version}`;
    fs.writeFileSync(
      path.join(work, 'package.json'),
      `${JSON.stringify({ name: 'smcp-prebuild', version: '0.0.0', private: true, dependencies: { [PACKAGE]: version }, allowScripts: { [pin]: true } }, null, 2)}\n`,
    );
    const env = buildEnv(nodeBinary, nodedir);
    const install = await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: work, env, timeout: BUILD_TIMEOUT_MS });
    if (install.status !== 0) throw new Error(`npm install ${pin} failed (exit ${install.status}):\n${install.output.slice(-6000)}`);
    const packageDir = path.join(work, 'node_modules', PACKAGE);
    const addonPath = path.join(packageDir, ADDON);
    if (!fs.existsSync(addonPath)) throw new Error(`npm install ${pin} left no ${ADDON} (install script not run?):\n${install.output.slice(-6000)}`);
    const probe = "const r = require('better-sqlite3')(':memory:').prepare('select 1 as x').get(); if (!r || r.x !== 1) { console.error(JSON.stringify(r)); process.exit(1); } process.stdout.write('ok');";
    const load = await run(nodeBinary, ['-e', probe], { cwd: work, env, timeout: 60_000 });
    if (load.status !== 0 || load.output !== 'ok') throw new Error(`the built ${ADDON} does not load with ${nodeBinary}:\n${load.output}`);
    const addon = fs.readFileSync(addonPath);
    const marker = {
      package: PACKAGE,
      version,
      ...target,
      sha256: createHash('sha256').update(addon).digest('hex'),
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - begin) / 1000),
    };
    writeAtomically(
      file,
      tarGz([
        { name: ADDON, data: addon, mode: 0o755 },
        { name: PREBUILD_MARKER, data: Buffer.from(`${JSON.stringify(marker, null, 2)}\n`), mode: 0o644 },
      ]),
    );
    process.stderr.write(`[prebuild] ${path.basename(file)} built in ${((Date.now() - begin) / 1000).toFixed(1)}s\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The cache folder and the tarball for the Node 20 column's better-sqlite3 (PROJECT_VERSIONS) and `nodeBinary`'s ABI, platform and
 * arch; builds the tarball first if it is missing (once: concurrent callers wait on a lock). `nodedir`
 * (headers of that node) is passed to node-gyp as npm_config_nodedir.
 */
export async function ensureBetterSqlite3Prebuild(options: { nodeBinary?: string; nodedir?: string } = {}): Promise<{ dir: string; file: string; built: boolean }> {
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const version = VERSION;
  const target = await describeNode(nodeBinary);
  const dir = prebuildCacheDir();
  const file = path.join(dir, prebuildTarballName(target, version));
  if (fs.existsSync(file)) return { dir, file, built: false };
  fs.mkdirSync(dir, { recursive: true });
  const lock = `${file}.lock`;
  if (!(await acquireLock(lock, () => fs.existsSync(file)))) return { dir, file, built: false };
  try {
    if (fs.existsSync(file)) return { dir, file, built: false };
    await build(nodeBinary, options.nodedir, target, version, file);
    return { dir, file, built: true };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
