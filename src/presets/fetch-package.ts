/**
 * Gets a package onto disk — a team preset, or (for update) another version of create-secure-mcp: a local
 * tarball or one npm downloads (`npm pack`, which never runs package scripts for a registry spec;
 * `--ignore-scripts` anyway), unpacked with the system tar into a fresh temporary folder. Guards against running anything from the package, against shell parsing of the
 * spec (execFile, no shell), against hanging downloads (timeouts), and against leftovers: the caller
 * gets the folder only inside `withTempDir`, which removes it afterwards, also on error.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../errors.js';

/** Prefix of every temporary folder the preset loader makes (tests count them). */
export const PRESET_TEMP_PREFIX = 'create-secure-mcp-preset-';

/** A preset package is a few files; a larger tarball is refused before it is unpacked. */
export const MAX_PRESET_TARBALL_BYTES = 20 * 1024 * 1024;

/** What is being fetched, for messages and the size limit; the default is a preset package. */
export interface PackageKind {
  /** Starts each message about the package: "Preset", "--from", "create-secure-mcp". */
  readonly label: string;
  /** Ends a hint: what to pass instead of a package to fetch. */
  readonly otherwise: string;
  readonly maxBytes: number;
}

export const PRESET_PACKAGE: PackageKind = { label: 'Preset', otherwise: 'or pass a preset file or folder', maxBytes: MAX_PRESET_TARBALL_BYTES };

const PACK_TIMEOUT_MS = 120_000;
const TAR_TIMEOUT_MS = 60_000;

/** Runs `fn` with a new empty folder under os.tmpdir(), and removes the folder however `fn` ends. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), PRESET_TEMP_PREFIX));
  try {
    return await fn(dir);
  } finally {
    await removeTree(dir);
  }
}

/** rm -rf, also when an unpacked archive left folders without write permission. */
async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) await makeWritable(path.join(dir, entry.name));
  }
}

/** `sha512-<base64>` of a file: the form of npm's `integrity`. */
export async function fileIntegrity(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd: options.cwd, env: options.env, timeout: options.timeout, maxBuffer: 16 * 1024 * 1024, windowsHide: true, shell: false, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** Last non-empty line of a command's stderr, for a one-line message. */
function lastLine(text: unknown): string {
  if (typeof text !== 'string') return '';
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  return lines.at(-1) ?? '';
}

/**
 * Unpacks a .tgz into `into` (which must exist and be empty) and returns the package's folder: `package/`
 * as npm packs it, else the archive's only top-level folder.
 */
export async function extractTarball(tarball: string, into: string, label: string, env: NodeJS.ProcessEnv, kind: PackageKind = PRESET_PACKAGE): Promise<string> {
  const size = (await stat(tarball)).size;
  if (size > kind.maxBytes) {
    throw new CliError('USAGE', `${kind.label} ${label}: the package is larger than ${kind.maxBytes / 1024 / 1024} MiB.`, {
      hint: 'A preset holds options and a few files; check that this is the right package.',
    });
  }
  try {
    // GNU tar and bsdtar both refuse members with `..` and strip a leading `/`; no owners are restored.
    await run('tar', ['-x', '-z', '--no-same-owner', '-f', tarball, '-C', into], { cwd: into, env, timeout: TAR_TIMEOUT_MS });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = code === 'ENOENT' ? 'the tar command was not found' : lastLine((error as { stderr?: unknown }).stderr) || 'tar failed';
    throw new CliError('USAGE', `${kind.label} ${label}: could not unpack the package (${cause}).`, {
      hint: code === 'ENOENT' ? `Install tar (it comes with macOS, Linux and Windows 10+), ${kind.otherwise}.` : 'Check that the file is an npm package tarball (.tgz), e.g. made by npm pack.',
      cause: error,
    });
  }
  const entries = await readdir(into, { withFileTypes: true });
  const pkg = entries.find((entry) => entry.name === 'package' && entry.isDirectory());
  const folders = entries.filter((entry) => entry.isDirectory());
  const chosen = pkg ?? (folders.length === 1 && entries.length === 1 ? folders[0] : undefined);
  if (chosen === undefined) {
    throw new CliError('USAGE', `${kind.label} ${label}: the archive has no package/ folder.`, {
      hint: 'Check that the file is an npm package tarball (.tgz), e.g. made by npm pack.',
    });
  }
  return path.join(into, chosen.name);
}

/** How to run npm without a shell: its CLI script under this node when it can be found, else `npm`. */
export function npmCommand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, nodePath: string = process.execPath): { command: string; args: string[] } {
  const execPath = env.npm_execpath;
  if (execPath !== undefined && /npm-cli\.c?js$/.test(path.basename(execPath))) {
    return { command: nodePath, args: [execPath] };
  }
  if (platform === 'win32') {
    // npm.cmd cannot run without a shell; the npm that comes with node sits beside node.exe.
    return { command: nodePath, args: [path.win32.join(path.win32.dirname(nodePath), 'node_modules', 'npm', 'bin', 'npm-cli.js')] };
  }
  return { command: 'npm', args: [] };
}

export interface PackedPackage {
  readonly tarball: string;
  readonly name: string;
  readonly version: string;
  readonly integrity: string | undefined;
}

/** What `npm pack --json` prints: one entry per packed spec. */
interface NpmPackEntry {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly integrity?: unknown;
  readonly filename?: unknown;
}

/** Downloads `spec` from the registry with `npm pack` into `into` (run from `cwd`, so its .npmrc counts). */
export async function npmPack(spec: string, into: string, deps: { cwd: string; env: NodeJS.ProcessEnv }, kind: PackageKind = PRESET_PACKAGE): Promise<PackedPackage> {
  const what = kind === PRESET_PACKAGE ? 'the preset package' : 'the package';
  const npm = npmCommand(deps.env);
  const args = [...npm.args, 'pack', spec, '--json', '--ignore-scripts', '--pack-destination', into];
  let stdout: string;
  try {
    ({ stdout } = await run(npm.command, args, { cwd: deps.cwd, env: deps.env, timeout: PACK_TIMEOUT_MS }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { killed?: boolean; stdout?: unknown; stderr?: unknown };
    const cause =
      failure.code === 'ENOENT'
        ? 'npm was not found'
        : failure.killed === true
          ? `npm pack took longer than ${PACK_TIMEOUT_MS / 1000} s`
          : (npmErrorSummary(failure.stdout) ?? npmErrorSummary(failure.stderr) ?? npmErrorLine(failure.stderr) ?? 'npm pack failed');
    throw new CliError('USAGE', `Could not fetch ${what} ${spec}: ${cause}.`, {
      hint: `Check the package name and version, your network and registry settings (.npmrc), ${kind.otherwise}.`,
      cause: error,
    });
  }
  let entry: NpmPackEntry | undefined;
  try {
    const parsed: unknown = JSON.parse(stdout);
    entry = Array.isArray(parsed) ? (parsed[0] as NpmPackEntry | undefined) : undefined;
  } catch {
    entry = undefined;
  }
  if (entry === undefined || typeof entry.name !== 'string' || typeof entry.version !== 'string') {
    throw new CliError('USAGE', `Could not fetch ${what} ${spec}: npm pack printed no package.`, {
      hint: `Run npm pack <package> yourself to see why, ${kind.otherwise}.`,
    });
  }
  let tarball: string | undefined;
  if (typeof entry.filename === 'string') {
    const candidate = path.join(into, path.basename(entry.filename));
    if (await isFile(candidate)) tarball = candidate;
  }
  if (tarball === undefined) {
    const tgz = (await readdir(into)).filter((name) => name.endsWith('.tgz'));
    if (tgz.length === 1 && tgz[0] !== undefined) tarball = path.join(into, tgz[0]);
  }
  if (tarball === undefined) {
    throw new CliError('USAGE', `Could not fetch ${what} ${spec}: npm pack wrote no tarball.`, {
      hint: `Run npm pack <package> yourself to see why, ${kind.otherwise}.`,
    });
  }
  return {
    tarball,
    name: entry.name,
    version: entry.version,
    integrity: typeof entry.integrity === 'string' ? entry.integrity : await fileIntegrity(tarball),
  };
}

/** `<code>: <summary>` of the error object npm prints with --json (`{ "error": { code, summary } }`). */
function npmErrorSummary(output: unknown): string | undefined {
  if (typeof output !== 'string') return undefined;
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  try {
    const parsed = JSON.parse(output.slice(start, end + 1)) as { error?: { code?: unknown; summary?: unknown } };
    const summary = parsed.error?.summary;
    if (typeof summary !== 'string' || summary === '') return undefined;
    const code = parsed.error?.code;
    return (typeof code === 'string' ? `${code}: ${summary}` : summary).split('\n')[0];
  } catch {
    return undefined;
  }
}

/** The first telling `npm error` line (not the code line, not the log file line). */
function npmErrorLine(stderr: unknown): string | undefined {
  if (typeof stderr !== 'string') return undefined;
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.replace(/^npm (error|ERR!)\s*/, '').trim())
    .filter((line) => line !== '' && !/^code\s/.test(line) && !line.startsWith('A complete log'));
  return lines[0];
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Makes `<parent>/<name>` and returns it. */
export async function subdir(parent: string, name: string): Promise<string> {
  const dir = path.join(parent, name);
  await mkdir(dir);
  return dir;
}
