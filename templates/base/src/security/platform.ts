// What the operating system offers that the security code depends on, in one object that every check
// takes as a parameter, so tests can fake Windows or macOS on Linux. Guards against a protection that
// silently disappears on another system: `fs.constants.O_NOFOLLOW` is undefined on Windows, and
// `flags | undefined` drops it without a word. Code that needs "do not follow a symlink" asks
// `platform.noFollow` and, where it is undefined, checks with lstat itself (openNoFollowSync below).
// Mode bits and owners (0600, 0700, uid) mean nothing on Windows, where ACLs decide: those checks say so
// (permissionsNotice) instead of pretending to have run.
import fs from 'node:fs';

export interface HostPlatform {
  /** `process.platform`: 'linux', 'darwin', 'win32', … */
  readonly os: NodeJS.Platform;
  /** O_NOFOLLOW, or undefined where the system has none (Windows): callers then lstat explicitly. */
  readonly noFollow: number | undefined;
  /** O_NONBLOCK, O_NOCTTY, O_DIRECTORY: 0 where the system has none (Windows). */
  readonly nonBlock: number;
  readonly noCtty: number;
  readonly directory: number;
  /** POSIX mode bits and owners are enforced by this system (false on Windows: ACLs decide). */
  readonly posixPermissions: boolean;
  /** The effective uid; undefined where POSIX ownership does not apply (Windows). */
  readonly euid: number | undefined;
  /** /proc/self/fd names an open descriptor's path (Linux only). */
  readonly procFd: boolean;
  /** File names are compared without regard to case by default (Windows; macOS APFS/HFS+). */
  readonly caseInsensitiveNames: boolean;
}

type OpenConstants = Partial<Record<'O_NOFOLLOW' | 'O_NONBLOCK' | 'O_NOCTTY' | 'O_DIRECTORY', number>>;

/** The platform description for `os` with the given fs constants (a test passes {} to fake Windows). */
export function platformFor(os: NodeJS.Platform, constants: OpenConstants, euid?: number): HostPlatform {
  const windows = os === 'win32';
  return {
    os,
    noFollow: constants.O_NOFOLLOW,
    nonBlock: constants.O_NONBLOCK ?? 0,
    noCtty: constants.O_NOCTTY ?? 0,
    directory: constants.O_DIRECTORY ?? 0,
    posixPermissions: !windows,
    euid: windows ? undefined : euid,
    procFd: os === 'linux',
    caseInsensitiveNames: windows || os === 'darwin',
  };
}

/** This process's platform. */
export const hostPlatform: HostPlatform = platformFor(process.platform, fs.constants, process.geteuid?.());

/**
 * The statement a server logs once at start where file modes and owners cannot be checked; undefined
 * where they are. Never silent: an operator on Windows learns which checks did not run and what to do.
 */
export function permissionsNotice(platform: HostPlatform = hostPlatform): string | undefined {
  if (platform.posixPermissions) return undefined;
  return (
    `file modes and owners are not checked on ${platform.os} (access is decided by ACLs there): ` +
    'keep .env, .secrets/, the keys file, the TLS key, the database and AUDIT_LOG_DIR in a folder only your account can read, such as one under your user profile'
  );
}

/** The signals that ask this server to stop: SIGTERM is never delivered on Windows, Ctrl+Break (SIGBREAK) is. */
export function shutdownSignals(platform: HostPlatform = hostPlatform): readonly NodeJS.Signals[] {
  return platform.os === 'win32' ? ['SIGINT', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
}

function symlinkRefused(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ELOOP: refusing to follow a symbolic link, open '${file}'`), { code: 'ELOOP' });
}

/**
 * Opens `file` without following a symlink at its last component. With O_NOFOLLOW the kernel refuses
 * (ELOOP). Without it (Windows), the path is lstat'ed first (a symlink or junction is refused with
 * ELOOP) and the opened descriptor must be the very file lstat saw (same dev and ino), so a link
 * swapped in between is refused too. Never opens through a link silently.
 */
export function openNoFollowSync(file: string, flags: number, mode?: number, platform: HostPlatform = hostPlatform): number {
  if (platform.noFollow !== undefined) return fs.openSync(file, flags | platform.noFollow, mode);
  const before = fs.lstatSync(file, { throwIfNoEntry: false });
  if (before?.isSymbolicLink()) throw symlinkRefused(file);
  const fd = fs.openSync(file, flags, mode);
  if (before === undefined) {
    // Created by this open (O_CREAT): nothing to compare with, but it must not be a link now.
    if (fs.lstatSync(file).isSymbolicLink()) {
      fs.closeSync(fd);
      throw symlinkRefused(file);
    }
    return fd;
  }
  const held = fs.fstatSync(fd);
  if (held.dev !== before.dev || held.ino !== before.ino) {
    fs.closeSync(fd);
    throw symlinkRefused(file);
  }
  return fd;
}
