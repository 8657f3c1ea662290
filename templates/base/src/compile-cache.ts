// The module compile cache (Node 22.1 or later) of the bundled entries: V8 keeps the compiled bundle so the
// next start skips compiling it. Guards against running code from a folder someone else controls: what
// the cache holds becomes code this process runs, and it sits under the shared OS temp directory, so its
// folder (`node-compile-cache-<uid>`) is used only if it is this user's own: a real folder, not a symlink,
// owned by this user, writable by no group or other. Anything else: no cache (a slower start), nothing more.
// NODE_COMPILE_CACHE, if set, is Node's own and wins; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// The launchers scripts/bundle.mjs writes (dist/<entry>.js) call it before they load their bundle.
import { lstatSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface CompileCacheHost {
  tmpdir: string;
  /** This process's user id; undefined where there is none (Windows: the temp folder is the user's own). */
  uid: number | undefined;
  /** module.enableCompileCache; undefined before Node 22.1. */
  enable: ((dir: string) => unknown) | undefined;
  env: Record<string, string | undefined>;
}

/** module.enableCompileCache where Node has it (22.1+; this project's Node 20 types do not declare it). */
const enableCompileCache: unknown = Reflect.get(module, 'enableCompileCache');

const thisProcess = (): CompileCacheHost => ({
  tmpdir: os.tmpdir(),
  uid: process.getuid?.(),
  enable: typeof enableCompileCache === 'function' ? (dir) => Reflect.apply(enableCompileCache, module, [dir]) : undefined,
  env: process.env,
});

/** Turns the cache on in this user's own folder; returns the folder, or undefined when it stays off. */
export function enableOwnCompileCache(host: CompileCacheHost = thisProcess()): string | undefined {
  if (host.enable === undefined || host.env['NODE_DISABLE_COMPILE_CACHE']) return undefined;
  const dir = path.join(host.tmpdir, `node-compile-cache-${host.uid ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 }); // an existing folder keeps its mode: checked below
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) return undefined; // a symlink or a file planted under the name
    if (host.uid !== undefined && (stat.uid !== host.uid || (stat.mode & 0o022) !== 0)) return undefined;
    host.enable(dir);
    return dir;
  } catch {
    return undefined;
  }
}
