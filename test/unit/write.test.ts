import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import type { RenderedFile } from '../../src/generate/plan-types.js';
import { type CleanupRegistry, conflictingEntries, writeProject } from '../../src/generate/write.js';

let parent: string;
const undo = new Set<() => void>();
const registry: CleanupRegistry = {
  add(fn) {
    undo.add(fn);
    return () => undo.delete(fn);
  },
};

const files: RenderedFile[] = [
  { path: 'package.json', content: Buffer.from('{"name":"x"}\n'), mode: 0o644, secret: false },
  { path: 'src/server.ts', content: Buffer.from('export {};\n'), mode: 0o644, secret: false },
  { path: 'src/tools/whoami.ts', content: Buffer.from('export {};\n'), mode: 0o644, secret: false },
  { path: '.env', content: Buffer.from('AUDIT_HMAC_KEY=test\n'), mode: 0o600, secret: true },
];

beforeEach(() => {
  parent = mkdtempSync(path.join(os.tmpdir(), 'csm-write-'));
  undo.clear();
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

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

  it('a failure while moving rolls every move back', async () => {
    const target = path.join(parent, 'proj');
    mkdirSync(target);
    writeFileSync(path.join(target, 'package.json'), 'original');
    writeFileSync(path.join(target, 'notes.txt'), 'keep');
    await expect(
      writeProject(files, { targetDir: target, overwrite: true, cleanup: registry, failAfter: { move: 3 } }),
    ).rejects.toThrow(/injected/);
    expect(readdirSync(target).sort()).toEqual(['notes.txt', 'package.json']);
    expect(readFileSync(path.join(target, 'package.json'), 'utf8')).toBe('original');
    expect(parentEntries()).toEqual(['proj']);
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

  it('the undo work registered for Ctrl-C removes the staging folder', async () => {
    const target = path.join(parent, 'proj');
    let captured: (() => void) | undefined;
    const spying: CleanupRegistry = {
      add(fn) {
        captured ??= fn;
        return () => {};
      },
    };
    await expect(writeProject(files, { targetDir: target, overwrite: false, cleanup: spying, failAfter: { stage: 1 } })).rejects.toThrow();
    expect(captured).toBeTypeOf('function');
    // The staging folder is already gone; running the undo again must be harmless.
    captured?.();
    expect(parentEntries()).toEqual([]);
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
