/**
 * The check-then-open race (TOCTOU) in the path sandbox. `open` is wrapped so that, right after the
 * sandbox has checked the path and right before it opens it, a directory in the middle of the path is
 * swapped for a symlink that points outside the root. O_NOFOLLOW only protects the last component, so
 * the open itself lands outside; the sandbox must notice from the opened descriptor and refuse.
 * These tests fail if the descriptor check (assertHandleIs) is removed.
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

const { readFileInRoot, listDirInRoot } = await import('../src/security/sandbox.js');
const { ToolError } = await import('../src/security/errors.js');

const SECRET = 'SECRET-READ-THROUGH-A-RACE';
const runIt = process.platform === 'win32' ? it.skip : it;

let base: string;
let root: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'smcp-race-')));
  root = path.join(base, 'sandbox');
  mkdirSync(path.join(root, 'docs', 'inner'), { recursive: true });
  writeFileSync(path.join(root, 'docs', 'a.txt'), 'inside\n');
  mkdirSync(path.join(base, 'outside', 'docs', 'inner'), { recursive: true });
  writeFileSync(path.join(base, 'outside', 'docs', 'inner', 'secret-name.txt'), SECRET);
  writeFileSync(path.join(base, 'outside', 'docs', 'a.txt'), SECRET);
  writeFileSync(path.join(base, 'outside', 'docs', 'secret-name.txt'), SECRET);
});

afterEach(() => {
  hook.beforeOpen = undefined;
  rmSync(base, { recursive: true, force: true });
});

/** Swaps <root>/docs for a symlink to <base>/outside/docs. */
function swapDocsForLinkOut(): void {
  renameSync(path.join(root, 'docs'), path.join(root, 'docs-old'));
  symlinkSync(path.join(base, 'outside', 'docs'), path.join(root, 'docs'));
}

describe('check-then-open race', () => {
  runIt('a read refuses when a parent directory becomes a link out between check and open', async () => {
    hook.beforeOpen = swapDocsForLinkOut;
    const outcome = await readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024 }).then(
      (r) => r.data.toString(),
      (e: unknown) => e,
    );
    expect(hook.beforeOpen).toBeUndefined(); // the swap really happened
    expect(outcome).toBeInstanceOf(ToolError);
    expect((outcome as Error).message).toMatch(/changed while it was being opened/);
    expect((outcome as Error).message).not.toContain(base);
  });

  runIt('a read refuses when the file itself becomes a link out between check and open (O_NOFOLLOW)', async () => {
    hook.beforeOpen = () => {
      rmSync(path.join(root, 'docs', 'a.txt'));
      symlinkSync(path.join(base, 'outside', 'docs', 'a.txt'), path.join(root, 'docs', 'a.txt'));
    };
    const outcome = await readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024 }).then(
      (r) => r.data.toString(),
      (e: unknown) => e,
    );
    expect(hook.beforeOpen).toBeUndefined();
    expect(outcome).toBeInstanceOf(ToolError);
    expect((outcome as Error).message).toMatch(/changed while it was being opened/);
  });

  runIt('a listing refuses when the listed directory itself becomes a link out', async () => {
    hook.beforeOpen = swapDocsForLinkOut;
    const outcome = await listDirInRoot(root, 'docs', { maxEntries: 10 }).then(
      (r) => r.entries.map((e) => e.name),
      (e: unknown) => e,
    );
    expect(hook.beforeOpen).toBeUndefined();
    expect(outcome).toBeInstanceOf(ToolError);
    expect((outcome as Error).message).toMatch(/changed while it was being opened/);
  });

  runIt('a listing refuses when a parent of the listed directory becomes a link out', async () => {
    hook.beforeOpen = swapDocsForLinkOut;
    const outcome = await listDirInRoot(root, 'docs/inner', { maxEntries: 10 }).then(
      (r) => r.entries.map((e) => e.name),
      (e: unknown) => e,
    );
    expect(hook.beforeOpen).toBeUndefined();
    expect(outcome).toBeInstanceOf(ToolError);
    expect((outcome as Error).message).toMatch(/changed while it was being opened/);
  });

  runIt('without a swap the same read succeeds (the hook itself is harmless)', async () => {
    hook.beforeOpen = () => undefined;
    const { data } = await readFileInRoot(root, 'docs/a.txt', { maxBytes: 1024 });
    expect(data.toString()).toBe('inside\n');
  });
});
