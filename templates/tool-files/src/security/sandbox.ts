/**
 * The path sandbox: the ONE place where a path that came from a client becomes a file on disk.
 *
 * Guards against:
 * - path traversal: `../`, absolute paths, Windows drive (`C:`) and UNC (`\\host\share`) forms;
 * - prefix collisions: `<root>-evil` passes a naive `resolved.startsWith(root)` check; containment is
 *   decided with `path.relative` on real (symlink-free) paths instead;
 * - symlinks that lead out of the root: as the last component, as a directory in the middle of the
 *   path, or dangling (a dangling link could later be pointed anywhere);
 * - NUL bytes, control and bidi-override characters, overlong paths and segments;
 * - reads of FIFOs, devices and sockets (they can block forever or never end);
 * - oversized reads (capped at FILES_MAX_BYTES, measured on the opened descriptor, not a prior stat);
 * - the race between checking a path and opening it: the file is opened with O_NOFOLLOW and the
 *   opened descriptor itself is checked (on Linux via /proc/self/fd) before anything is read.
 *
 * Other systems (every function takes a HostPlatform, so tests fake them on Linux):
 * - Windows has no O_NOFOLLOW (`fs.constants.O_NOFOLLOW` is undefined): the target is lstat'ed right
 *   before the open (a symlink or junction is refused) and the opened descriptor must be the file that
 *   was checked (same real path, same dev and ino), so nothing is ever read through a link unnoticed.
 *   Windows names (`CON`, `a.txt:stream`, `name.`) are refused there; paths are compared with
 *   path.win32 (case-insensitive, another drive is outside).
 * - macOS has O_NOFOLLOW but no /proc: the descriptor is checked by real path, dev and ino.
 * - Case-insensitive names (Windows, macOS): root and target are both real paths, which the system
 *   spells one way, and a difference of case can only make a path look outside, never inside.
 *
 * Error messages are ToolErrors that name the problem, never the absolute host path.
 * Do not add a second path check elsewhere: extend this one.
 *
 * Known limit: a hard link inside the root to a file outside it is indistinguishable from a normal
 * file. Keep the files root out of reach of untrusted local users (see SECURITY.md).
 */
import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from './errors.js';
import { hostPlatform, type HostPlatform } from './platform.js';

/** Longest accepted user path, in characters. */
export const MAX_PATH_LENGTH = 1024;
/** Longest accepted path segment, in UTF-8 bytes (the usual NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255;
/** Deepest accepted path, in segments. */
export const MAX_PATH_DEPTH = 64;

// C0 controls (NUL handled separately for a clearer message), DEL, C1 controls, line/paragraph
// separators, and bidirectional overrides/isolates that can disguise a name.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** An existing path inside the root. `absolute` and `root` are host paths: never put them in a client message. */
export interface ResolvedPath {
  /** Real path of the root directory. */
  readonly root: string;
  /** Real path of the target. */
  readonly absolute: string;
  /** The normalised path relative to the root, with `/` separators; `''` is the root itself. */
  readonly relative: string;
}

export interface ReadOptions {
  /** Refuse files larger than this many bytes (FILES_MAX_BYTES). */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /** The host's behaviour (tests pass a faked Windows or macOS). */
  readonly platform?: HostPlatform;
}

export interface ReadResult {
  readonly relative: string;
  readonly data: Buffer;
}

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface DirEntry {
  readonly name: string;
  readonly type: EntryType;
  /** Size in bytes, for regular files only. */
  readonly size?: number;
}

export interface ListOptions {
  readonly maxEntries: number;
  readonly signal?: AbortSignal;
  readonly platform?: HostPlatform;
}

export interface ListResult {
  readonly relative: string;
  readonly entries: DirEntry[];
  /** True when the directory holds more than `maxEntries` entries; the rest are not listed. */
  readonly truncated: boolean;
}

const outside = (): ToolError => new ToolError('Access denied: the path leads outside the files root.');
const notFound = (): ToolError => new ToolError('Not found: no such file or directory in the files root.');
const danglingLink = (): ToolError =>
  new ToolError('Access denied: the path goes through a symbolic link that cannot be resolved.');
const changed = (): ToolError =>
  new ToolError('Access denied: the path changed while it was being opened; try again.');

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Maps a file-system error to a ToolError without the host path (Node's own messages include it).
 * Unknown errors are re-thrown unchanged: the tool wrapper turns them into a generic error.
 */
function toToolError(err: unknown): unknown {
  if (err instanceof ToolError) return err;
  switch (errorCode(err)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return notFound();
    case 'ELOOP':
      return new ToolError('Access denied: the path is or goes through a symbolic link that is not allowed here.');
    case 'EACCES':
    case 'EPERM':
      return new ToolError('Access denied: the server may not read this path.');
    case 'ENAMETOOLONG':
      return new ToolError('Invalid path: too long.');
    case 'EISDIR':
      return new ToolError('The path is a directory; use list_files.');
    default:
      return err;
  }
}

/**
 * Names Windows treats specially: device names (`CON`, `NUL`, `COM1`… also with an extension),
 * alternate data streams (`a.txt:secret`), and trailing dots or spaces (which Windows strips, so
 * `secret.txt.` opens `secret.txt`). Applied on Windows only; exported for tests on every platform.
 */
export function windowsNameProblem(segment: string): string | undefined {
  if (segment.includes(':')) return "contains ':'";
  if (/[<>"|?*]/.test(segment)) return 'contains a character Windows does not allow in names';
  if (/[. ]$/.test(segment) && segment !== '.' && segment !== '..') return 'ends with a dot or a space';
  if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i.test(segment)) return 'is a reserved device name';
  return undefined;
}

/**
 * Checks the syntax of a client-supplied path and normalises it. No file-system access.
 * Returns the normalised relative path with `/` separators, `''` for the root.
 * No URL decoding happens anywhere: `%2e%2e%2f` is a literal file name.
 */
export function normaliseUserPath(input: string, platform: HostPlatform = hostPlatform): string {
  if (typeof input !== 'string') throw new ToolError('Invalid path: must be a string.');
  if (input.includes('\0')) throw new ToolError('Invalid path: contains a NUL byte.');
  if (FORBIDDEN_CHARS.test(input)) throw new ToolError('Invalid path: contains control characters.');
  if (input.length > MAX_PATH_LENGTH) {
    throw new ToolError(`Invalid path: longer than ${MAX_PATH_LENGTH} characters.`);
  }
  // Backslash is a separator on Windows and a legal name character on POSIX; refusing it everywhere
  // keeps one meaning on every platform (and stops `..\\..\\` on Windows).
  if (input.includes('\\')) throw new ToolError("Invalid path: use '/' as the separator, not '\\'.");
  if (input.startsWith('/') || /^[A-Za-z]:/.test(input) || path.isAbsolute(input) || path.win32.isAbsolute(input)) {
    throw new ToolError('Invalid path: must be relative to the files root, not absolute.');
  }
  const normalised = path.posix.normalize(input === '' ? '.' : input);
  if (normalised === '..' || normalised.startsWith('../')) throw outside();
  const segments = normalised.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length > MAX_PATH_DEPTH) {
    throw new ToolError(`Invalid path: deeper than ${MAX_PATH_DEPTH} levels.`);
  }
  for (const segment of segments) {
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new ToolError(`Invalid path: a name is longer than ${MAX_SEGMENT_BYTES} bytes.`);
    }
    const windowsProblem = platform.os === 'win32' ? windowsNameProblem(segment) : undefined;
    if (windowsProblem !== undefined) throw new ToolError(`Invalid path: a name ${windowsProblem}.`);
  }
  return segments.join('/');
}

/**
 * True when `target` is `root` or below it. Both must be real (symlink-free) absolute paths.
 * Uses path.relative, so `/srv/root-evil` is NOT inside `/srv/root` (a startsWith check says it is),
 * while a name that merely begins with two dots (`..notes`) is. `paths` is the host's path module
 * (path.win32 on Windows: `C:\Files` and `c:\files\a` are one folder, `D:\…` is outside).
 */
export function isInside(root: string, target: string, paths: path.PlatformPath = path): boolean {
  const rel = paths.relative(root, target);
  if (rel === '') return true;
  if (paths.isAbsolute(rel)) return false; // another drive or share on Windows
  return rel !== '..' && !rel.startsWith(`..${paths.sep}`);
}

async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw toToolError(err);
  }
}

async function realRoot(rootDir: string): Promise<string> {
  let root: string;
  let stats: Stats;
  try {
    root = await realpath(rootDir);
    stats = await lstat(root);
  } catch {
    throw new ToolError('The files root is not available; check FILES_ROOT.');
  }
  if (!stats.isDirectory()) throw new ToolError('The files root is not a directory; check FILES_ROOT.');
  return root;
}

/**
 * Resolves a client-supplied path to an existing entry inside `rootDir` (realpath of root and target).
 * Throws a ToolError when the target lies outside the root, or does not exist. A target that does not
 * resolve is refused with the reason found at its nearest existing ancestor, so the answer never tells
 * a client more than the root holds:
 * - the ancestor is a dangling symbolic link (itself the target or a folder on the way): refused as
 *   such, since it could later be pointed anywhere;
 * - the ancestor resolves outside the root (`link-out/missing.txt`): refused as outside, the same
 *   answer as for an existing file there, so the refusal says nothing about what exists outside;
 * - otherwise: not found.
 */
export async function resolveInRoot(rootDir: string, userPath: string, platform: HostPlatform = hostPlatform): Promise<ResolvedPath> {
  const relative = normaliseUserPath(userPath, platform);
  const root = await realRoot(rootDir);
  const segments = relative === '' ? [] : relative.split('/');

  const real = await realpathOrNull(path.join(root, ...segments));
  if (real !== null) {
    if (!isInside(root, real)) throw outside();
    return { root, absolute: real, relative };
  }

  for (let i = segments.length - 1; i >= 0; i--) {
    const ancestor = path.join(root, ...segments.slice(0, i + 1));
    try {
      await lstat(ancestor);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw toToolError(err);
    }
    const ancestorReal = await realpathOrNull(ancestor);
    if (ancestorReal === null) throw danglingLink();
    if (!isInside(root, ancestorReal)) throw outside();
    break;
  }
  throw notFound();
}

/**
 * Opens a checked path read-only without following a link at its end. O_NONBLOCK: opening a FIFO must
 * not wait for a writer. Where O_NOFOLLOW does not exist (Windows) the path is lstat'ed right before the
 * open instead, and assertHandleIs proves afterwards that the descriptor is the checked file.
 */
async function openChecked(resolved: ResolvedPath, directory: boolean, platform: HostPlatform): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    if (platform.noFollow === undefined && (await lstat(resolved.absolute)).isSymbolicLink()) throw changed();
    const flags = fsConstants.O_RDONLY | (platform.noFollow ?? 0) | platform.nonBlock | platform.noCtty | (directory ? platform.directory : 0);
    handle = await open(resolved.absolute, flags);
  } catch (err) {
    const code = errorCode(err);
    // A symlink appeared where the checked path had none (O_NOFOLLOW gives ELOOP, or ENOTDIR with
    // O_DIRECTORY), or a checked directory was replaced.
    if (code === 'ELOOP' || code === 'EMLINK' || code === 'ENOTDIR') throw changed();
    throw toToolError(err);
  }
  try {
    await assertHandleIs(handle, resolved, platform);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Linux: the path of an open descriptor, as the kernel sees it; null where /proc is unavailable. */
async function descriptorPath(handle: FileHandle, platform: HostPlatform): Promise<string | null> {
  if (!platform.procFd) return null;
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return null;
  }
}

/**
 * Proves the opened descriptor is the checked file, so a directory swapped for a symlink between
 * the check and the open cannot redirect the read.
 */
async function assertHandleIs(handle: FileHandle, resolved: ResolvedPath, platform: HostPlatform): Promise<void> {
  const actual = await descriptorPath(handle, platform);
  if (actual !== null) {
    if (actual !== resolved.absolute || !isInside(resolved.root, actual)) throw changed();
    return;
  }
  // No /proc (macOS, Windows): the path must still resolve to itself and name the very inode we hold
  // (lstat, so a link swapped in at the last component has its own inode and is refused).
  const [again, onDisk, held] = await Promise.all([
    realpathOrNull(resolved.absolute),
    lstat(resolved.absolute).catch(() => null),
    handle.stat(),
  ]);
  if (again !== resolved.absolute || onDisk === null || onDisk.dev !== held.dev || onDisk.ino !== held.ino) {
    throw changed();
  }
}

function describeNonRegular(stats: Stats): ToolError {
  if (stats.isDirectory()) return new ToolError('The path is a directory; use list_files.');
  return new ToolError('Refused: not a regular file (FIFOs, sockets and devices are not read).');
}

/**
 * Reads a regular file inside the root, refusing anything larger than `maxBytes`. The size is taken
 * from the opened descriptor, and at most `maxBytes + 1` bytes are ever read, so a file that grows
 * after the check is still refused.
 */
export async function readFileInRoot(rootDir: string, userPath: string, options: ReadOptions): Promise<ReadResult> {
  const platform = options.platform ?? hostPlatform;
  const resolved = await resolveInRoot(rootDir, userPath, platform);
  // Refuse special files before opening them: opening a device can itself have effects.
  const before = await lstat(resolved.absolute).catch((err: unknown) => {
    throw toToolError(err);
  });
  if (!before.isFile()) throw describeNonRegular(before);

  const handle = await openChecked(resolved, false, platform);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw describeNonRegular(stats);
    const tooLarge = (): ToolError =>
      new ToolError(`Refused: the file is larger than the read limit of ${options.maxBytes} bytes (FILES_MAX_BYTES).`);
    if (stats.size > options.maxBytes) throw tooLarge();

    const limit = options.maxBytes + 1;
    const buffer = Buffer.alloc(Math.min(limit, Math.max(stats.size, 0) + 1));
    let data = buffer;
    let filled = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      if (filled === data.length) {
        if (data.length >= limit) break;
        const grown = Buffer.alloc(Math.min(limit, data.length * 2));
        data.copy(grown, 0, 0, filled);
        data = grown;
      }
      const { bytesRead } = await handle.read(data, filled, Math.min(data.length - filled, 64 * 1024), filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > options.maxBytes) throw tooLarge();
    return { relative: resolved.relative, data: data.subarray(0, filled) };
  } catch (err) {
    throw toToolError(err);
  } finally {
    await handle.close();
  }
}

function entryType(stats: Stats): EntryType {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  return 'other';
}

/**
 * Lists one directory inside the root: at most `maxEntries` entries (names, types, sizes of regular
 * files), sorted by name. Symbolic links are reported as `symlink` and never followed; their targets
 * are not revealed. When the directory holds more, `truncated` is true and the entries shown are the
 * first ones in file-system order.
 */
export async function listDirInRoot(rootDir: string, userPath: string, options: ListOptions): Promise<ListResult> {
  const platform = options.platform ?? hostPlatform;
  const resolved = await resolveInRoot(rootDir, userPath, platform);
  const before = await lstat(resolved.absolute).catch((err: unknown) => {
    throw toToolError(err);
  });
  if (!before.isDirectory()) throw new ToolError('The path is not a directory; use read_file for files.');

  // On Linux the listing is anchored to the verified descriptor (/proc/self/fd/N names exactly the
  // directory we checked); elsewhere the checked real path is used and re-verified afterwards.
  // Windows cannot open a directory as a file, so there only the re-verification applies.
  const handle = platform.os === 'win32' ? null : await openChecked(resolved, true, platform);
  try {
    const anchored =
      handle !== null && (await descriptorPath(handle, platform)) !== null ? `/proc/self/fd/${handle.fd}` : resolved.absolute;
    const entries: DirEntry[] = [];
    let truncated = false;
    const dir = await opendir(anchored, { bufferSize: 64 });
    try {
      for await (const dirent of dir) {
        options.signal?.throwIfAborted();
        if (entries.length >= options.maxEntries) {
          truncated = true;
          break;
        }
        let stats: Stats;
        try {
          stats = await lstat(path.join(anchored, dirent.name));
        } catch {
          continue; // removed while listing
        }
        const type = entryType(stats);
        entries.push(type === 'file' ? { name: dirent.name, type, size: stats.size } : { name: dirent.name, type });
      }
    } finally {
      // A for-await loop that breaks early closes the Dir itself; closing twice throws.
      await dir.close().catch(() => undefined);
    }
    if (handle === null) {
      if ((await realpathOrNull(resolved.absolute)) !== resolved.absolute) throw changed();
    } else if (anchored === resolved.absolute) {
      await assertHandleIs(handle, resolved, platform);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { relative: resolved.relative, entries, truncated };
  } catch (err) {
    throw toToolError(err);
  } finally {
    await handle?.close();
  }
}
