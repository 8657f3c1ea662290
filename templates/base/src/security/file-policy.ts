// Who may control a file the server trusts (a keys file, a private key). Guards against a
// file or its folder that another local user owns (the owner can chmod it and rewrite it at will) and
// against a folder others can write (they can rename their own file over ours: atomic writers such as
// the keys script replace a file exactly that way). Root (uid 0) is trusted: it can read and write
// everything anyway. POSIX only: on Windows, ownership and mode bits do not apply (ACLs decide), nothing
// is refused here, and the server says so once at start (permissionsNotice in ./platform.ts).
// Also: a folder the tools expose to clients (a sandbox) that holds the project's secrets (below).
import fs from 'node:fs';
import path from 'node:path';
import { hostPlatform, type HostPlatform } from './platform.js';

/** The process's effective uid, or undefined where POSIX ownership does not apply. */
export function currentUid(platform: HostPlatform = hostPlatform): number | undefined {
  return platform.posixPermissions ? platform.euid : undefined;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/** `is owned by uid N …` when `uid` is neither this process's user nor root; the fix names `target`. */
export function foreignOwner(uid: number, target: string, platform: HostPlatform = hostPlatform): string | undefined {
  const me = currentUid(platform);
  if (me === undefined || uid === me || uid === 0) return undefined;
  return `is owned by another user (uid ${uid}; this process runs as uid ${me}), who can rewrite it at will. Run: chown ${me} ${target}`;
}

/** True when `dir` is on a read-only mount (e.g. a Kubernetes secret volume): nobody can write it, whatever its mode. */
function onReadOnlyMount(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EROFS';
  }
}

/**
 * A problem with the folder that holds a trusted file: owned by another user, or writable by group or
 * others (with the sticky bit too: a file that is missing or being replaced could be planted) unless
 * the folder sits on a read-only mount. A missing folder is no problem here (whoever creates it later
 * makes it 0700).
 */
export function folderProblem(dir: string, platform: HostPlatform = hostPlatform): string | undefined {
  if (currentUid(platform) === undefined) return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined;
  }
  const owner = foreignOwner(stat.uid, dir, platform);
  if (owner !== undefined) return `its folder ${dir} ${owner}`;
  if ((stat.mode & 0o022) !== 0 && !onReadOnlyMount(dir)) {
    return `its folder ${dir} is writable by group or others (mode ${octal(stat.mode)}): anyone who can write the folder can put their own file in its place. Run: chmod go-w ${dir}, or move the file to a folder only this user can write`;
  }
  return undefined;
}

/** A path the project keeps from clients, with the variable (or name) that points at it. */
export type NamedPath = readonly [name: string, path: string];

/** The real path of `p`; for a path that does not exist yet, its nearest existing ancestor's real path + the rest. */
export function realPathOf(p: string): string {
  const absolute = path.resolve(p);
  try {
    return fs.realpathSync.native(absolute);
  } catch {
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(realPathOf(parent), path.basename(absolute));
  }
}

/**
 * `inner` is `outer` or below it (by path.relative, never startsWith: `/srv/a-evil` is not in `/srv/a`).
 * Where names ignore case (Windows, macOS), `/p/.SECRETS` is `/p/.secrets`: compared in lower case, so a
 * clash is never missed for a difference of case (path.win32.relative ignores case already).
 */
function within(outer: string, inner: string, platform: HostPlatform): boolean {
  const fold = (p: string): string => (platform.caseInsensitiveNames ? p.toLowerCase() : p);
  const rel = path.relative(fold(outer), fold(inner));
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

/**
 * Guards against a folder the tools hand to clients (a sandbox) that would hand them
 * the project's own secrets: it may not contain the project root (.env, .secrets/, keys, logs), and it
 * may neither contain nor lie inside any sensitive path. Compared by real path, so a symlink to the
 * project root is caught too. One problem per clash, naming both variables and the fix.
 */
export function exposureProblems(exposed: readonly NamedPath[], sensitive: readonly NamedPath[], projectRoot: string, platform: HostPlatform = hostPlatform): string[] {
  const problems: string[] = [];
  const root = realPathOf(projectRoot);
  for (const [name, folder] of exposed) {
    const real = realPathOf(folder);
    if (within(real, root, platform)) {
      problems.push(`${name}=${folder} contains the project root ${projectRoot} (its .env, .secrets/, keys and logs): the tools would hand them to clients. Point ${name} at a folder that holds only what clients may read`);
      continue;
    }
    for (const [what, file] of sensitive) {
      const secret = realPathOf(file);
      const contains = within(real, secret, platform);
      if (contains || within(secret, real, platform)) {
        problems.push(`${name}=${folder} ${contains ? 'contains' : 'lies inside'} ${what} (${file}): the tools would hand it to clients. Point ${name} at a folder apart from the project's secrets, keys, logs and data`);
      }
    }
  }
  return problems;
}
