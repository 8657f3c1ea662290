/**
 * Attacks on the path sandbox (src/security/sandbox.ts). Each test fails if the control it names is
 * removed: traversal, absolute and Windows forms, prefix collision, symlinks out (file, directory in
 * the middle, dangling, loops), NUL and control characters, encoded forms, special files, size cap.
 * Every refusal is also checked for not leaking the absolute host path.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../src/security/errors.js';
import {
  MAX_PATH_DEPTH,
  MAX_PATH_LENGTH,
  isInside,
  listDirInRoot,
  normaliseUserPath,
  readFileInRoot,
  windowsNameProblem,
} from '../src/security/sandbox.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const MAX = 64;
const posixOnly = process.platform === 'win32' ? it.skip : it;

let base: string; // realpath of the temp dir that holds everything
let root: string; // the sandbox
let socketServer: Server | undefined;

beforeAll(async () => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'smcp-sandbox-')));
  root = path.join(base, 'sandbox');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(root, 'hello.txt'), 'hello from the sandbox\n');
  writeFileSync(path.join(root, 'sub', 'nested.txt'), 'nested\n');
  writeFileSync(path.join(root, '..notes'), 'a name that starts with two dots\n');
  writeFileSync(path.join(root, '%2e%2e%2f'), 'literal percent name\n');
  writeFileSync(path.join(root, 'exact.txt'), 'x'.repeat(MAX));
  writeFileSync(path.join(root, 'big.txt'), 'x'.repeat(MAX + 1));

  // Outside the root: a sibling whose name shares the root's prefix, and an unrelated directory.
  mkdirSync(path.join(base, 'sandbox-evil'));
  writeFileSync(path.join(base, 'sandbox-evil', 'secret.txt'), SECRET);
  mkdirSync(path.join(base, 'outside'));
  writeFileSync(path.join(base, 'outside', 'secret.txt'), SECRET);

  if (process.platform !== 'win32') {
    symlinkSync('hello.txt', path.join(root, 'link-in')); // inside → allowed
    symlinkSync('sub', path.join(root, 'dir-link-in')); // directory inside → allowed
    symlinkSync(path.join(base, 'outside', 'secret.txt'), path.join(root, 'link-out')); // absolute target
    symlinkSync('../outside/secret.txt', path.join(root, 'link-out-rel')); // relative target
    symlinkSync('../outside', path.join(root, 'dir-link-out')); // directory in the middle of a path
    symlinkSync('../sandbox-evil', path.join(root, 'evil-link')); // prefix collision via a link
    symlinkSync('../outside/does-not-exist', path.join(root, 'dangling-out'));
    symlinkSync('missing.txt', path.join(root, 'dangling-in'));
    symlinkSync('loop-b', path.join(root, 'loop-a'));
    symlinkSync('loop-a', path.join(root, 'loop-b'));
    symlinkSync('/dev/zero', path.join(root, 'zero'));
    symlinkSync('..', path.join(root, 'parent'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer?.listen(path.join(root, 'sock'), resolve));
    symlinkSync('sandbox', path.join(base, 'root-link')); // the root itself reached through a link
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
  rmSync(base, { recursive: true, force: true });
});

const read = (p: string, maxBytes = MAX) => readFileInRoot(root, p, { maxBytes });

/** Expects a ToolError matching `pattern` whose message reveals no host path. */
async function expectRefused(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => {
      throw new Error('expected a refusal, got a result');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolError);
  const message = (err as ToolError).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain(base);
  expect(message).not.toContain(tmpdir());
  expect(message).not.toContain(SECRET);
}

describe('isInside (containment by path.relative, not startsWith)', () => {
  const r = path.resolve('/srv/sandbox');
  it('accepts the root and paths below it', () => {
    expect(isInside(r, r)).toBe(true);
    expect(isInside(r, path.join(r, 'a', 'b.txt'))).toBe(true);
    expect(isInside(r, path.join(r, '..notes'))).toBe(true);
  });
  it('rejects a sibling that shares the prefix (/srv/sandbox-evil)', () => {
    expect(path.join(r, '..', 'sandbox-evil').startsWith(r)).toBe(true); // what the naive check sees
    expect(isInside(r, path.resolve('/srv/sandbox-evil'))).toBe(false);
    expect(isInside(r, path.resolve('/srv/sandbox-evil/secret.txt'))).toBe(false);
  });
  it('rejects the parent and unrelated paths', () => {
    expect(isInside(r, path.resolve('/srv'))).toBe(false);
    expect(isInside(r, path.resolve('/etc/passwd'))).toBe(false);
  });
});

describe('path syntax', () => {
  it('normalises harmless forms', () => {
    expect(normaliseUserPath('')).toBe('');
    expect(normaliseUserPath('.')).toBe('');
    expect(normaliseUserPath('./sub//nested.txt')).toBe('sub/nested.txt');
    expect(normaliseUserPath('sub/../hello.txt')).toBe('hello.txt');
  });

  it('refuses a leading .. before touching the file system', () => {
    for (const p of ['..', '../x', 'a/../../x', './../x']) {
      expect(() => normaliseUserPath(p)).toThrow(/outside the files root/);
    }
  });

  it.each(['..', '../', '../outside/secret.txt', '../../etc/passwd', 'sub/../../outside/secret.txt', '../sandbox-evil/secret.txt'])(
    'refuses traversal %j',
    async (p) => {
      await expectRefused(read(p), /outside the files root/);
    },
  );

  it.each(['/etc/passwd', 'C:/Windows/win.ini', 'c:secret.txt', '//server/share/file.txt'])(
    'refuses absolute and drive forms %j',
    async (p) => {
      await expectRefused(read(p), /must be relative/);
    },
  );

  it('refuses the absolute host path of a file outside the root', async () => {
    await expectRefused(read(path.join(base, 'outside', 'secret.txt')), /must be relative/);
  });

  it.each(['..\\outside\\secret.txt', '..\\..\\etc\\passwd', '\\\\server\\share\\x', 'C:\\Windows\\win.ini', 'sub\\nested.txt'])(
    'refuses backslash forms %j',
    async (p) => {
      await expectRefused(read(p), /use '\/' as the separator/);
    },
  );

  it('refuses NUL bytes (hello.txt\\0.png would otherwise truncate to hello.txt in C code)', async () => {
    await expectRefused(read('hello.txt\0.png'), /NUL/);
    await expectRefused(read('\0'), /NUL/);
  });

  it.each(['a\nb', 'hello.txt\r', 'tab\there', 'esc\u001b[31m', 'del\u007f', 'c1\u0085', 'bidi\u202etxt.exe', 'iso\u2066x'])(
    'refuses control characters %j',
    async (p) => {
      await expectRefused(read(p), /control characters/);
    },
  );

  it('refuses overlong paths, segments and depth', async () => {
    await expectRefused(read('a'.repeat(MAX_PATH_LENGTH + 1)), /longer than/);
    await expectRefused(read('a'.repeat(256)), /longer than 255 bytes/);
    await expectRefused(read('é'.repeat(128)), /longer than 255 bytes/); // 256 bytes in UTF-8
    await expectRefused(read(Array.from({ length: MAX_PATH_DEPTH + 1 }, () => 'd').join('/')), /deeper than/);
  });

  it('knows the Windows names that would open a device, a stream or another file (checked on Windows)', () => {
    for (const bad of ['CON', 'nul.txt', 'Com1', 'LPT9.log', 'a.txt:secret', 'a.txt::$DATA', 'secret.txt.', 'secret.txt ', 'a?b', 'a<b']) {
      expect(windowsNameProblem(bad), bad).toBeDefined();
    }
    for (const good of ['console.txt', 'nullable.md', 'com10', 'hello.txt', '..notes', 'a b.txt']) {
      expect(windowsNameProblem(good), good).toBeUndefined();
    }
  });

  it('treats URL-encoded forms as literal names (no decoding)', async () => {
    await expectRefused(read('%2e%2e%2foutside%2fsecret.txt'), /Not found/);
    await expectRefused(read('..%2f..%2foutside%2fsecret.txt'), /Not found/);
    await expectRefused(read('%2e%2e/outside/secret.txt'), /Not found/);
    await expectRefused(read('..%252f..%252fetc%252fpasswd'), /Not found/);
    // A file literally named "%2e%2e%2f" is read as itself: decoding would have turned it into "../".
    const { data } = await read('%2e%2e%2f');
    expect(data.toString()).toBe('literal percent name\n');
  });
});

describe('reads', () => {
  it('reads a normal file, also through harmless forms', async () => {
    expect((await read('hello.txt')).data.toString()).toBe('hello from the sandbox\n');
    expect((await read('./sub//nested.txt')).data.toString()).toBe('nested\n');
    expect((await read('sub/../hello.txt')).relative).toBe('hello.txt');
  });

  it('reads a name that merely starts with two dots', async () => {
    expect((await read('..notes')).data.toString()).toMatch(/two dots/);
  });

  it('reads a file of exactly FILES_MAX_BYTES and refuses one byte more', async () => {
    expect((await read('exact.txt')).data.length).toBe(MAX);
    await expectRefused(read('big.txt'), /larger than the read limit of 64 bytes/);
    // and the cap really is the configured value
    expect((await read('big.txt', MAX + 1)).data.length).toBe(MAX + 1);
  });

  it('refuses a missing file and a directory without leaking paths', async () => {
    await expectRefused(read('missing.txt'), /Not found/);
    await expectRefused(read('hello.txt/x'), /Not found/);
    await expectRefused(read('sub'), /is a directory/);
    await expectRefused(read(''), /is a directory/);
  });

  it('refuses when the root does not exist', async () => {
    await expectRefused(readFileInRoot(path.join(base, 'no-such-root'), 'hello.txt', { maxBytes: MAX }), /files root is not available/);
  });
});

describe('symbolic links', () => {
  posixOnly('follows a link that stays inside the root (file and directory)', async () => {
    expect((await read('link-in')).data.toString()).toBe('hello from the sandbox\n');
    expect((await read('dir-link-in/nested.txt')).data.toString()).toBe('nested\n');
  });

  posixOnly('refuses a file link that points outside (absolute and relative target)', async () => {
    await expectRefused(read('link-out'), /outside the files root/);
    await expectRefused(read('link-out-rel'), /outside the files root/);
  });

  posixOnly('refuses a symlinked directory in the middle of the path', async () => {
    await expectRefused(read('dir-link-out/secret.txt'), /outside the files root/);
    await expectRefused(read('parent/outside/secret.txt'), /outside the files root/);
    await expectRefused(listDirInRoot(root, 'dir-link-out', { maxEntries: 10 }), /outside the files root/);
    await expectRefused(listDirInRoot(root, 'parent', { maxEntries: 10 }), /outside the files root/);
  });

  posixOnly('refuses a link into a sibling that shares the root prefix (sandbox-evil)', async () => {
    // realpath gives <base>/sandbox-evil/secret.txt, which startsWith(<base>/sandbox) accepts.
    await expectRefused(read('evil-link/secret.txt'), /outside the files root/);
  });

  posixOnly('refuses dangling links, also for a path that does not exist yet', async () => {
    await expectRefused(read('dangling-out'), /cannot be resolved/);
    await expectRefused(read('dangling-in'), /cannot be resolved/);
    // below a dangling link: refused for the link, not reported as simply missing
    await expectRefused(read('dangling-out/new.txt'), /cannot be resolved/);
    await expectRefused(listDirInRoot(root, 'dangling-out', { maxEntries: 10 }), /cannot be resolved/);
    await expectRefused(listDirInRoot(root, 'dangling-out/new-dir', { maxEntries: 10 }), /cannot be resolved/);
  });

  posixOnly('refuses link loops', async () => {
    await expectRefused(read('loop-a'), /symbolic link/);
  });

  posixOnly('refuses a link to a device outside the root', async () => {
    await expectRefused(read('zero'), /outside the files root/);
  });

  posixOnly('works when the configured root is itself reached through a link', async () => {
    const viaLink = path.join(base, 'root-link');
    expect((await readFileInRoot(viaLink, 'hello.txt', { maxBytes: MAX })).data.toString()).toBe('hello from the sandbox\n');
    await expectRefused(readFileInRoot(viaLink, 'link-out', { maxBytes: MAX }), /outside the files root/);
  });
});

describe('special files', () => {
  posixOnly('refuses a FIFO at once instead of blocking on it', async () => {
    await expectRefused(read('fifo'), /not a regular file/);
  });

  posixOnly('refuses a Unix socket', async () => {
    await expectRefused(read('sock'), /not a regular file/);
  });
});

describe('paths that do not exist', () => {
  it('a missing file or folder, at any depth, is refused as not found without the host path', async () => {
    await expectRefused(read('sub/new-dir/new.txt'), /^Not found: no such file or directory in the files root\.$/);
    await expectRefused(listDirInRoot(root, 'sub/new-dir', { maxEntries: 10 }), /^Not found/);
  });

  posixOnly('a missing file below a directory link that stays inside is not found', async () => {
    await expectRefused(read('dir-link-in/missing.txt'), /^Not found/);
  });

  posixOnly('a missing file below a link out is refused as outside, like an existing one (no probing outside)', async () => {
    // "Not found" here would tell a client which files exist outside the root.
    await expectRefused(read('dir-link-out/missing.txt'), /outside the files root/);
    await expectRefused(read('dir-link-out/secret.txt'), /outside the files root/);
    await expectRefused(listDirInRoot(root, 'dir-link-out/missing-dir', { maxEntries: 10 }), /outside the files root/);
    await expectRefused(read('link-out/x'), /outside the files root/);
  });
});

describe('listing', () => {
  it('lists names, types and sizes of one directory', async () => {
    const { entries, truncated, relative } = await listDirInRoot(root, 'sub', { maxEntries: 10 });
    expect(relative).toBe('sub');
    expect(truncated).toBe(false);
    expect(entries).toEqual([{ name: 'nested.txt', type: 'file', size: 7 }]);
  });

  posixOnly('reports links as links without following them, and special files as other', async () => {
    const { entries } = await listDirInRoot(root, '', { maxEntries: 1000 });
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('link-out')).toEqual({ name: 'link-out', type: 'symlink' });
    expect(byName.get('dir-link-out')).toEqual({ name: 'dir-link-out', type: 'symlink' });
    expect(byName.get('fifo')).toEqual({ name: 'fifo', type: 'other' });
    expect(byName.get('sub')).toEqual({ name: 'sub', type: 'directory' });
    expect(entries.some((e) => e.name === 'secret.txt')).toBe(false);
  });

  it('bounds the number of entries and says so', async () => {
    const { entries, truncated } = await listDirInRoot(root, '', { maxEntries: 2 });
    expect(entries).toHaveLength(2);
    expect(truncated).toBe(true);
  });

  it('refuses traversal and files', async () => {
    await expectRefused(listDirInRoot(root, '..', { maxEntries: 10 }), /outside the files root/);
    await expectRefused(listDirInRoot(root, '../sandbox-evil', { maxEntries: 10 }), /outside the files root/);
    await expectRefused(listDirInRoot(root, 'hello.txt', { maxEntries: 10 }), /not a directory/);
    await expectRefused(listDirInRoot(root, 'nope', { maxEntries: 10 }), /Not found/);
  });
});
