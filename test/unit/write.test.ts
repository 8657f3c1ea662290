import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/errors.js';
import type { RenderedFile } from '../../src/generate/plan-types.js';
import { type CleanupRegistry, conflictingEntries, writeProject } from '../../src/generate/write.js';

/**
 * A seam for simulated interrupts: every fs call the writer makes passes through unchanged, but a test
 * may run code just before the n-th call of one of them. At that point the writer is between two
 * statements, which is where a signal handler would find it.
 */
const seam = vi.hoisted(() => ({ before: undefined as ((op: string) => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const renameSync: typeof actual.renameSync = (from, to) => {
    seam.before?.('renameSync');
    actual.renameSync(from, to);
  };
  return { ...actual, default: { ...actual, renameSync }, renameSync };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const chmod: typeof actual.chmod = async (file, mode) => {
    seam.before?.('chmod');
    return actual.chmod(file, mode);
  };
  return { ...actual, default: { ...actual, chmod }, chmod };
});

let parent: string;
const undo = new Set<() => void>();
/** Like the CLI's registry (src/cli/main.ts): undo work runs newest first. */
const registry: CleanupRegistry = {
  add(fn) {
    undo.add(fn);
    return () => undo.delete(fn);
  },
};
/** What src/cli/main.ts does on SIGINT/SIGTERM/SIGHUP before it exits. */
function runUndoWork(): void {
  for (const fn of [...undo].reverse()) fn();
  undo.clear();
}

class Interrupted extends Error {}

/**
 * Before the n-th call of `op`, behave like an interrupt: run the registered undo work, record what the
 * disk holds at that moment (the process would exit right here), then stop the writer.
 */
function interruptBefore(op: 'renameSync' | 'chmod', n: number): { readonly disk: () => Tree } {
  let calls = 0;
  let disk: Tree | undefined;
  seam.before = (called) => {
    if (called !== op || ++calls !== n) return;
    seam.before = undefined;
    runUndoWork();
    disk = tree(parent);
    throw new Interrupted(`interrupted before ${op} #${n}`);
  };
  return {
    disk: () => {
      if (disk === undefined) throw new Error(`the writer never made call #${n} of ${op}`);
      return disk;
    },
  };
}

type Tree = Record<string, string>;
/** Every entry below dir: kind, permission bits and, for files, the exact bytes. */
function tree(dir: string, prefix = ''): Tree {
  const out: Tree = {};
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix + name;
    const stat = lstatSync(full);
    const mode = (stat.mode & 0o777).toString(8);
    if (stat.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(full)}`;
    else if (stat.isDirectory()) {
      out[`${rel}/`] = `dir ${mode}`;
      Object.assign(out, tree(full, `${rel}/`));
    } else out[rel] = `file ${mode} ${readFileSync(full).toString('base64')}`;
  }
  return out;
}

const files: RenderedFile[] = [
  { path: 'package.json', content: Buffer.from('{"name":"x"}\n'), mode: 0o644, secret: false },
  { path: 'src/server.ts', content: Buffer.from('export {};\n'), mode: 0o644, secret: false },
  { path: 'src/tools/whoami.ts', content: Buffer.from('export {};\n'), mode: 0o644, secret: false },
  { path: '.env', content: Buffer.from('AUDIT_HMAC_KEY=test\n'), mode: 0o600, secret: true },
];

beforeEach(() => {
  parent = mkdtempSync(path.join(os.tmpdir(), 'csm-write-'));
  undo.clear();
  seam.before = undefined;
});
afterEach(() => {
  seam.before = undefined;
  rmSync(parent, { recursive: true, force: true });
});

/**
 * An existing target the plan partly overlaps: two files it replaces (one with unusual permissions),
 * an existing folder it adds to, files of the user's it must not touch, and folders it has to create
 * (src/tools, test/deep/er). Returns the target and the plan to write into it.
 */
function existingTarget(): { target: string; plan: RenderedFile[] } {
  const target = path.join(parent, 'proj');
  mkdirSync(path.join(target, 'src'), { recursive: true });
  mkdirSync(path.join(target, '.git'));
  writeFileSync(path.join(target, '.git/HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(path.join(target, 'package.json'), '{"name":"mine","private":true}\n');
  writeFileSync(path.join(target, 'src/server.ts'), Buffer.from([0x2f, 0x2f, 0x00, 0xff, 0x0a]));
  chmodSync(path.join(target, 'src/server.ts'), 0o600);
  writeFileSync(path.join(target, 'notes.txt'), 'keep');
  const plan: RenderedFile[] = [
    ...files,
    { path: 'test/deep/er/a.test.ts', content: Buffer.from('export {};\n'), mode: 0o644, secret: false },
  ];
  return { target, plan };
}

/** The parent holds only what the test put there: no staging folder survives. */
function parentEntries(): string[] {
  return readdirSync(parent).sort();
}

describe('writeProject', () => {
  it('writes a new project in one move, with modes, and leaves no staging folder', async () => {
    const target = path.join(parent, 'proj');
    const result = await writeProject(files, { targetDir: target, overwrite: false, cleanup: registry });
    expect(result.createdTarget).toBe(true);
    expect(parentEntries()).toEqual(['proj']);
    expect(readFileSync(path.join(target, 'src/tools/whoami.ts'), 'utf8')).toBe('export {};\n');
    expect(statSync(path.join(target, '.env')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(target, 'package.json')).mode & 0o777).toBe(0o644);
    expect(undo.size).toBe(0);
  });

  it('a failure while staging leaves nothing', async () => {
    const target = path.join(parent, 'proj');
    await expect(writeProject(files, { targetDir: target, overwrite: false, cleanup: registry, failAfter: { stage: 2 } })).rejects.toThrow(/injected/);
    expect(parentEntries()).toEqual([]);
    expect(undo.size).toBe(0);
  });

  it('merges into an existing empty folder, keeping harmless files', async () => {
    const target = path.join(parent, 'proj');
    mkdirSync(path.join(target, '.git'), { recursive: true });
    writeFileSync(path.join(target, 'LICENSE'), 'mine');
    const result = await writeProject(files, { targetDir: target, overwrite: false, cleanup: registry });
    expect(result.createdTarget).toBe(false);
    expect(readFileSync(path.join(target, 'LICENSE'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(target, 'src/server.ts'))).toBe(true);
    expect(parentEntries()).toEqual(['proj']);
  });

  // files + one: package.json and src/server.ts replace the user's, the rest are new, in new folders.
  it.each([1, 2, 3, 4, 5])('a failure after %i moves into an existing target leaves it byte for byte as before', async (moves) => {
    const { target, plan } = existingTarget();
    const before = tree(parent);
    await expect(
      writeProject(plan, { targetDir: target, overwrite: true, cleanup: registry, failAfter: { move: moves } }),
    ).rejects.toThrow(`injected failure after moving ${moves} files`);
    // Replaced files have their old bytes and modes back; new files and folders are gone; so is staging.
    expect(tree(parent)).toEqual(before);
    expect(undo.size).toBe(0);
  });

  it('never replaces an existing file without --overwrite', async () => {
    const target = path.join(parent, 'proj');
    mkdirSync(target);
    writeFileSync(path.join(target, 'package.json'), 'original');
    const error = await writeProject(files, { targetDir: target, overwrite: false, cleanup: registry }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe('TARGET_NOT_EMPTY');
    expect(readFileSync(path.join(target, 'package.json'), 'utf8')).toBe('original');
    expect(parentEntries()).toEqual(['proj']);
  });

  it('--overwrite replaces generated files and keeps the others', async () => {
    const target = path.join(parent, 'proj');
    mkdirSync(target);
    writeFileSync(path.join(target, 'package.json'), 'original');
    writeFileSync(path.join(target, 'mine.txt'), 'keep');
    await writeProject(files, { targetDir: target, overwrite: true, cleanup: registry });
    expect(readFileSync(path.join(target, 'package.json'), 'utf8')).toContain('"name"');
    expect(readFileSync(path.join(target, 'mine.txt'), 'utf8')).toBe('keep');
    expect(parentEntries()).toEqual(['proj']);
  });

  it('refuses to write through a symlinked folder that points outside the target', async () => {
    const target = path.join(parent, 'proj');
    const outside = path.join(parent, 'outside');
    mkdirSync(target);
    mkdirSync(outside);
    symlinkSync(outside, path.join(target, 'src'));
    const error = await writeProject(files, { targetDir: target, overwrite: true, cleanup: registry }).catch((e: unknown) => e);
    expect((error as CliError).code).toBe('TARGET_INVALID');
    expect((error as CliError).message).toContain('symlink');
    expect(readdirSync(outside)).toEqual([]);
    expect(parentEntries()).toEqual(['outside', 'proj']);
  });

  it('refuses a destination path that climbs out, whatever the plan says', async () => {
    const target = path.join(parent, 'proj');
    const evil: RenderedFile[] = [...files, { path: '../escaped.txt', content: Buffer.from('x'), mode: 0o644, secret: false }];
    await expect(writeProject(evil, { targetDir: target, overwrite: false, cleanup: registry })).rejects.toThrow(/leave the project folder/);
    expect(parentEntries()).toEqual([]);
  });

  it('an interrupt while staging a new project: the registered undo removes the staging folder', async () => {
    const target = path.join(parent, 'proj');
    // chmod #2: files are already on disk in the staging folder, and staging is not finished.
    const interrupt = interruptBefore('chmod', 2);
    await expect(writeProject(files, { targetDir: target, overwrite: false, cleanup: registry })).rejects.toThrow(Interrupted);
    expect(interrupt.disk()).toEqual({});
  });

  it('an interrupt after staging, just before the one move of a new project, leaves nothing', async () => {
    const target = path.join(parent, 'proj');
    // chmod #files+1 is the staging folder's own, right before it is renamed into place.
    const interrupt = interruptBefore('chmod', files.length + 1);
    await expect(writeProject(files, { targetDir: target, overwrite: false, cleanup: registry })).rejects.toThrow(Interrupted);
    expect(interrupt.disk()).toEqual({});
  });

  // Each replaced file takes two renames (aside, then in), each new one takes one: 2 + 2 + 1 + 1 + 1.
  it.each([1, 2, 3, 4, 5, 6, 7])(
    'an interrupt before rename #%i into an existing target: the registered undo restores it byte for byte',
    async (n) => {
      const { target, plan } = existingTarget();
      const before = tree(parent);
      const interrupt = interruptBefore('renameSync', n);
      await expect(writeProject(plan, { targetDir: target, overwrite: true, cleanup: registry })).rejects.toThrow(Interrupted);
      expect(interrupt.disk()).toEqual(before);
    },
  );

  it('the interrupt seam reaches every move (the cases above cover the whole merge)', async () => {
    const { target, plan } = existingTarget();
    let renames = 0;
    seam.before = (op) => {
      if (op === 'renameSync') renames += 1;
    };
    await writeProject(plan, { targetDir: target, overwrite: true, cleanup: registry });
    expect(renames).toBe(7);
    expect(undo.size).toBe(0);
  });
});

describe('conflictingEntries', () => {
  it('ignores harmless files and reports the rest', () => {
    const dir = path.join(parent, 'd');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '.DS_Store'), '');
    expect(conflictingEntries(dir)).toEqual([]);
    writeFileSync(path.join(dir, 'index.js'), '');
    expect(conflictingEntries(dir)).toEqual(['index.js']);
    expect(conflictingEntries(path.join(parent, 'absent'))).toEqual([]);
  });
});
