/**
 * The path sandbox on Windows and macOS, proven here with the platform faked (passed in, no global
 * patched). Windows has no O_NOFOLLOW, no O_NONBLOCK/O_DIRECTORY and no /proc; macOS has no /proc.
 * A link swapped in for the checked file between the check and the open must still be refused
 * (explicit lstat before the open, real path + dev + ino of the opened descriptor after it); Windows
 * names and paths (drive letters, UNC, other drives, case) must be handled. Each test fails if the
 * branch it names is removed.
 */
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const hook = vi.hoisted(() => ({ beforeOpen: undefined as ((p: string) => void) | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof actual.open = (file, ...rest) => {
    const before = hook.beforeOpen;
    hook.beforeOpen = undefined; // fire once
    if (before) before(String(file));
    return actual.open(file, ...rest);
  };
  return { ...actual, default: { ...actual, open }, open };
});

const { isInside, normaliseUserPath, readFileInRoot, listDirInRoot } = await import('../src/security/sandbox.js');
const { ToolError } = await import('../src/security/errors.js');
const { hostPlatform, platformFor } = await import('../src/security/platform.js');

const windows = platformFor('win32', {});
const macos = platformFor('darwin', { O_NOFOLLOW: hostPlatform.noFollow, O_NONBLOCK: hostPlatform.nonBlock, O_NOCTTY: hostPlatform.noCtty, O_DIRECTORY: hostPlatform.directory }, 501);
const SECRET = 'SECRET-OUTSIDE-THE-ROOT';
const posixOnly = process.platform === 'win32' ? it.skip : it;

let base: string;
let root: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'smcp-platform-')));
  root = path.join(base, 'sandbox');
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  writeFileSync(path.join(root, 'docs', 'a.txt'), 'inside\n');
  mkdirSync(path.join(base, 'outside', 'docs'), { recursive: true });
  writeFileSync(path.join(base, 'outside', 'secret.txt'), SECRET);
  writeFileSync(path.join(base, 'outside', 'docs', 'a.txt'), SECRET);
});

afterEach(() => {
  hook.beforeOpen = undefined;
  rmSync(base, { recursive: true, force: true });
});

async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (value) => `read: ${JSON.stringify(value)}`,
    (err: unknown) => (err instanceof ToolError ? `refused: ${err.message}` : `error: ${String(err)}`),
  );
}

describe('without O_NOFOLLOW (Windows faked): a symlink is still never followed', () => {
  posixOnly('a link swapped in for the checked file right before the open is refused', async () => {
    hook.beforeOpen = () => {
      renameSync(path.join(root, 'docs', 'a.txt'), path.join(root, 'docs', 'a-old.txt'));
      symlinkSync(path.join(base, 'outside', 'secret.txt'), path.join(root, 'docs', 'a.txt'));
    };
    const result = await outcome(readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024, platform: windows }));
    expect(result).toBe('refused: Access denied: the path changed while it was being opened; try again.');
    expect(result).not.toContain(SECRET);
  });

  posixOnly('a parent directory swapped for a link out right before the open is refused', async () => {
    hook.beforeOpen = () => {
      renameSync(path.join(root, 'docs'), path.join(root, 'docs-old'));
      symlinkSync(path.join(base, 'outside', 'docs'), path.join(root, 'docs'));
    };
    const result = await outcome(readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024, platform: windows }));
    expect(result).toMatch(/^refused: Access denied/);
    expect(result).not.toContain(SECRET);
  });

  posixOnly('links out of the root are refused by the real-path check as on Linux', async () => {
    symlinkSync(path.join(base, 'outside', 'secret.txt'), path.join(root, 'link-out'));
    expect(await outcome(readFileInRoot(root, 'link-out', { maxBytes: 1024, platform: windows }))).toBe('refused: Access denied: the path leads outside the files root.');
  });

  it('an ordinary file and folder read and list normally', async () => {
    const read = await readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024, platform: windows });
    expect(read.data.toString()).toBe('inside\n');
    const list = await listDirInRoot(root, 'docs', { maxEntries: 10, platform: windows });
    expect(list.entries).toEqual([{ name: 'a.txt', type: 'file', size: 7 }]);
  });
});

describe('without /proc (macOS faked): the descriptor is checked by real path, dev and ino', () => {
  posixOnly('a parent directory swapped for a link out between check and open is refused', async () => {
    hook.beforeOpen = () => {
      renameSync(path.join(root, 'docs'), path.join(root, 'docs-old'));
      symlinkSync(path.join(base, 'outside', 'docs'), path.join(root, 'docs'));
    };
    const result = await outcome(readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024, platform: macos }));
    expect(result).toBe('refused: Access denied: the path changed while it was being opened; try again.');
  });

  posixOnly('a listing whose folder is swapped for a link out is refused', async () => {
    hook.beforeOpen = () => {
      renameSync(path.join(root, 'docs'), path.join(root, 'docs-old'));
      symlinkSync(path.join(base, 'outside', 'docs'), path.join(root, 'docs'));
    };
    const result = await outcome(listDirInRoot(root, 'docs', { maxEntries: 10, platform: macos }));
    expect(result).toMatch(/^refused: Access denied/);
  });
});

describe('Windows names and paths', () => {
  it.each(['CON', 'nul.txt', 'docs/COM1', 'a.txt:secret', 'secret.txt.', 'name ', 'a<b', 'what?'])('refuses %j on Windows', (bad) => {
    expect(() => normaliseUserPath(bad, windows)).toThrow(/^Invalid path: a name /);
  });
  it('the same names are ordinary files on Linux and macOS', () => {
    for (const name of ['CON', 'a.txt:secret', 'secret.txt.']) {
      expect(normaliseUserPath(name, macos)).toBe(name);
    }
  });
  it.each(['C:\\Windows\\win.ini', 'C:/Windows/win.ini', 'c:win.ini', '\\\\server\\share\\x', '//server/share/x', '..\\..\\x'])('refuses %j on every system', (bad) => {
    for (const platform of [windows, macos, hostPlatform]) expect(() => normaliseUserPath(bad, platform)).toThrow(/^(Invalid path|Access denied)/);
  });

  it('containment with path.win32: case-insensitive, another drive or share is outside, no prefix collision', () => {
    const r = 'C:\\Users\\me\\sandbox';
    expect(isInside(r, 'C:\\Users\\me\\sandbox\\docs\\a.txt', path.win32)).toBe(true);
    expect(isInside(r, 'c:\\users\\ME\\Sandbox\\docs', path.win32)).toBe(true); // one folder on Windows
    expect(isInside(r, 'C:\\Users\\me\\sandbox-evil\\a.txt', path.win32)).toBe(false);
    expect(isInside(r, 'D:\\Users\\me\\sandbox\\a.txt', path.win32)).toBe(false);
    expect(isInside(r, '\\\\server\\share\\sandbox', path.win32)).toBe(false);
    expect(isInside(r, 'C:\\Users\\me', path.win32)).toBe(false);
  });

  it('case on POSIX paths errs only toward "outside": a differently spelt root never lets a path in', () => {
    expect(isInside('/Users/me/Sandbox', '/Users/me/sandbox/a.txt', path.posix)).toBe(false);
    expect(isInside('/Users/me/sandbox', '/Users/me/sandbox/a.txt', path.posix)).toBe(true);
  });
});
