// The module compile cache's folder (src/compile-cache.ts). Guards against running code from a cache
// someone else controls: under the shared temp directory the folder is used only if it is this user's
// own, a real folder that no group or other can write; a symlink, a file, a foreign owner or a loose mode
// there turns the cache off. The last test runs a built launcher on Node 22.1 or later, where the cache exists.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enableOwnCompileCache, type CompileCacheHost } from '../src/compile-cache.js';
import { PROJECT_ROOT, tempDir } from './helpers.js';

const POSIX = process.platform !== 'win32';
const uid = process.getuid?.();

/** A host whose temp directory is a fresh folder and whose enableCompileCache records what it was given. */
function fakeHost(overrides: Partial<CompileCacheHost> = {}): CompileCacheHost & { enabled: string[] } {
  const enabled: string[] = [];
  return { tmpdir: tempDir('compile-cache-'), uid, env: {}, enable: (dir) => enabled.push(dir), ...overrides, enabled };
}

const folderOf = (host: CompileCacheHost) => path.join(host.tmpdir, `node-compile-cache-${host.uid ?? 'user'}`);

describe('compile cache folder', () => {
  it('a fresh folder is created for this user alone (0700) and used', () => {
    const host = fakeHost();
    expect(enableOwnCompileCache(host)).toBe(folderOf(host));
    expect(host.enabled).toEqual([folderOf(host)]);
    if (POSIX) expect(fs.statSync(folderOf(host)).mode & 0o777).toBe(0o700);
  });

  it.runIf(POSIX)('a folder that group or others can write is not used (and is left as it is)', () => {
    for (const mode of [0o777, 0o770, 0o702]) {
      const host = fakeHost();
      fs.mkdirSync(folderOf(host), { mode });
      fs.chmodSync(folderOf(host), mode); // past the umask
      expect(enableOwnCompileCache(host), mode.toString(8)).toBeUndefined();
      expect(host.enabled).toEqual([]);
      expect(fs.statSync(folderOf(host)).mode & 0o777).toBe(mode);
    }
  });

  it.runIf(POSIX)('a symlink planted under the name is not followed, even to a folder of our own', () => {
    const host = fakeHost();
    const target = tempDir('compile-cache-target-');
    fs.chmodSync(target, 0o700);
    fs.symlinkSync(target, folderOf(host));
    expect(enableOwnCompileCache(host)).toBeUndefined();
    expect(host.enabled).toEqual([]);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it('a file planted under the name is not used', () => {
    const host = fakeHost();
    fs.writeFileSync(folderOf(host), '');
    expect(enableOwnCompileCache(host)).toBeUndefined();
    expect(host.enabled).toEqual([]);
  });

  it.runIf(POSIX)('a folder another user owns is not used', () => {
    // The folder is ours; the host says this process runs as someone else, so to it the folder is foreign.
    const owner = fakeHost();
    enableOwnCompileCache(owner);
    const other = fakeHost({ tmpdir: owner.tmpdir, uid: (uid ?? 0) + 1 });
    fs.renameSync(folderOf(owner), folderOf(other));
    expect(enableOwnCompileCache(other)).toBeUndefined();
    expect(other.enabled).toEqual([]);
  });

  it('off before Node 22.1, and with NODE_DISABLE_COMPILE_CACHE set: nothing is created', () => {
    for (const host of [fakeHost({ enable: undefined }), fakeHost({ env: { NODE_DISABLE_COMPILE_CACHE: '1' } })]) {
      expect(enableOwnCompileCache(host)).toBeUndefined();
      expect(host.enabled).toEqual([]);
      expect(fs.existsSync(folderOf(host))).toBe(false);
    }
  });

  // Node 20 has no compile cache: there the launcher's call is a no-op and this test has nothing to run.
  it.runIf(typeof Reflect.get(module, 'enableCompileCache') === 'function' && POSIX)('a built launcher fills its own folder, and writes nothing into one others can write', () => {
    const entry = path.join(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js'); // in every project; exits at once
    const run = (tmpdir: string) => {
      const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', TMPDIR: tmpdir, AUDIT_LOG_DIR: path.join(tmpdir, 'no-audit') };
      return spawnSync(process.execPath, [entry], { env, encoding: 'utf8' });
    };
    const own = tempDir('compile-cache-run-');
    run(own);
    const ownFolder = path.join(own, `node-compile-cache-${uid}`);
    expect(fs.readdirSync(ownFolder, { recursive: true }).length, 'the cache was written').toBeGreaterThan(0);

    const shared = tempDir('compile-cache-run-');
    const loose = path.join(shared, `node-compile-cache-${uid}`);
    fs.mkdirSync(loose);
    fs.chmodSync(loose, 0o777);
    run(shared);
    expect(fs.readdirSync(loose)).toEqual([]);
  });
});
