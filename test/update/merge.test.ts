/**
 * The `update` three-way merge, rule by rule, on tiny in-memory file sets: guards against an update
 * overwriting user edits, resurrecting deleted files, touching protected paths, or mis-merging
 * package.json. The default text merge runs the real `git merge-file` (no repository needed).
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { gitMergeText, isProtectedPath, mergeProject, type MergeText } from '../../src/update/merge.js';
import type { FileSet, MergeDecision } from '../../src/update/merge-types.js';

function files(entries: Record<string, string | Buffer>): FileSet {
  return new Map(Object.entries(entries).map(([path, content]) => [path, typeof content === 'string' ? Buffer.from(content, 'utf8') : content]));
}

async function one(path: string, b: string | Buffer | undefined, t: string | Buffer | undefined, o: string | Buffer | undefined, mergeText?: MergeText): Promise<MergeDecision> {
  const set = (content: string | Buffer | undefined): FileSet => files(content === undefined ? {} : { [path]: content });
  const decisions = await mergeProject(set(b), set(t), set(o), mergeText === undefined ? {} : { mergeText });
  expect(decisions).toHaveLength(1);
  const [decision] = decisions;
  if (decision === undefined) throw new Error('no decision');
  expect(decision.path).toBe(path);
  return decision;
}

function expectNoContent(decision: MergeDecision, expected: Partial<MergeDecision>): void {
  expect(decision).toMatchObject(expected);
  expect(decision.content).toBeUndefined();
}

const text = (decision: MergeDecision): string => decision.content?.toString('utf8') ?? '';

const failingMerge: MergeText = () => {
  throw new Error('the text merge must not run here');
};

describe('mergeProject: rules', () => {
  it('template did not change the file → kept, whatever yours is (even absent)', async () => {
    expectNoContent(await one('a.ts', 'x\n', 'x\n', 'mine\n', failingMerge), { action: 'kept' });
    expectNoContent(await one('a.ts', 'x\n', 'x\n', undefined, failingMerge), { action: 'kept' });
  });

  it('you never changed it, the template did → updated with the template version', async () => {
    const d = await one('a.ts', 'old\n', 'new\n', 'old\n', failingMerge);
    expect(d.action).toBe('updated');
    expect(text(d)).toBe('new\n');
  });

  it('you never changed it, the template removed it → removed', async () => {
    expectNoContent(await one('a.ts', 'old\n', undefined, 'old\n', failingMerge), { action: 'removed' });
  });

  it('yours already equals the template version → kept (already up to date)', async () => {
    const d = await one('a.ts', 'old\n', 'new\n', 'new\n', failingMerge);
    expectNoContent(d, { action: 'kept' });
    expect(d.why).toMatch(/up to date/);
  });

  it('new in the template, absent in the project → added', async () => {
    const d = await one('src/new.ts', undefined, 'new\n', undefined, failingMerge);
    expect(d.action).toBe('added');
    expect(text(d)).toBe('new\n');
  });

  it('new in the template, yours identical → kept', async () => {
    expectNoContent(await one('src/new.ts', undefined, 'same\n', 'same\n', failingMerge), { action: 'kept' });
  });

  it('new in the template, yours different → merged against an empty base (conflict unless identical)', async () => {
    const d = await one('src/new.ts', undefined, 'template line\n', 'your line\n');
    expect(d.action).toBe('conflict');
    expect(d.conflicts).toBe(1);
    expect(text(d)).toContain('<<<<<<< yours\nyour line\n=======\ntemplate line\n>>>>>>> template\n');
  });

  it('removed by the template, changed by you → kept', async () => {
    const d = await one('a.ts', 'old\n', undefined, 'changed\n', failingMerge);
    expectNoContent(d, { action: 'kept', why: 'removed by the template, kept because you changed it' });
  });

  it('deleted by you, changed by the template → kept deleted (not resurrected)', async () => {
    const d = await one('a.ts', 'old\n', 'new\n', undefined, failingMerge);
    expectNoContent(d, { action: 'conflict', why: 'you deleted it; the template changed it (restore it from the template, or keep it deleted)', conflicts: 1 });
  });

  it('deleted by you and by the template → kept (nothing to do)', async () => {
    expectNoContent(await one('a.ts', 'old\n', undefined, undefined, failingMerge), { action: 'kept' });
  });

  it('both changed → text three-way merge through the mergeText option, with labels', async () => {
    const calls: unknown[] = [];
    const mergeText: MergeText = (ours, base, theirs, labels) => {
      calls.push({ ours, base, theirs, labels });
      return { text: 'merged\n', conflicts: 0 };
    };
    const decisions = await mergeProject(files({ 'a.ts': 'b\n' }), files({ 'a.ts': 't\n' }), files({ 'a.ts': 'o\n' }), {
      mergeText,
      labels: { ours: 'yours', base: 'create-secure-mcp 0.1.0', theirs: 'create-secure-mcp 0.2.0' },
    });
    expect(calls).toEqual([{ ours: 'o\n', base: 'b\n', theirs: 't\n', labels: { ours: 'yours', base: 'create-secure-mcp 0.1.0', theirs: 'create-secure-mcp 0.2.0' } }]);
    expect(decisions[0]).toMatchObject({ action: 'merged' });
    expect(decisions[0]?.content?.toString()).toBe('merged\n');
  });

  it('binary files both changed → conflict without markers, yours kept', async () => {
    const b = Buffer.from([0x89, 0x50, 0x00, 1]);
    const t = Buffer.from([0x89, 0x50, 0x00, 2]);
    const o = Buffer.from([0x89, 0x50, 0x00, 3]);
    const d = await one('assets/logo.png', b, t, o, failingMerge);
    expect(d).toMatchObject({ action: 'conflict', conflicts: 1, why: 'binary: both changed; yours kept, resolve by hand' });
    expect(d.content?.equals(o)).toBe(true);
  });

  it('line endings are compared exactly: a CRLF copy of the base counts as a change', async () => {
    // Yours only differs from base by line endings: that is your change, so the template change is merged, not taken blindly.
    const d = await one('a.txt', 'one\ntwo\n', 'one\nTWO\n', 'one\r\ntwo\r\n');
    expect(['merged', 'conflict']).toContain(d.action);
    expect(d.action).not.toBe('updated');
  });

  it('a failing text merge throws instead of writing something', async () => {
    await expect(one('a.ts', 'b\n', 't\n', 'o\n', failingMerge)).rejects.toThrow(/must not run/);
  });
});

describe('mergeProject: real git merge-file', () => {
  const base = [
    "import { z } from 'zod';",
    '',
    'export function checkSize(input: string): void {',
    '  if (input.length > 10_000) {',
    "    throw new Error('too large');",
    '  }',
    '}',
    '',
    'export function checkPath(p: string): void {',
    "  if (p.includes('..')) {",
    "    throw new Error('path traversal');",
    '  }',
    '}',
    '',
    'export function checkName(name: string): void {',
    '  z.string().min(1).parse(name);',
    '}',
    '',
  ].join('\n');

  it('src/security/guard.ts: template changed one function, you another → merged with both changes', async () => {
    const theirs = base.replace('input.length > 10_000', 'Buffer.byteLength(input) > 10_000');
    const ours = base.replace("z.string().min(1).parse(name);", "z.string().min(1).max(64).parse(name);");
    const d = await one('src/security/guard.ts', base, theirs, ours);
    expect(d.action).toBe('merged');
    expect(d.conflicts ?? 0).toBe(0);
    expect(text(d)).toBe(base.replace('input.length > 10_000', 'Buffer.byteLength(input) > 10_000').replace('min(1).parse', 'min(1).max(64).parse'));
  });

  it('src/security/guard.ts: both changed the same line → conflict markers, 1 conflict', async () => {
    const theirs = base.replace("throw new Error('path traversal');", "throw new Error('path traversal refused');");
    const ours = base.replace("throw new Error('path traversal');", "throw new PathError(p);");
    const d = await one('src/security/guard.ts', base, theirs, ours);
    expect(d.action).toBe('conflict');
    expect(d.conflicts).toBe(1);
    const out = text(d);
    expect(out).toContain('<<<<<<< yours\n');
    expect(out).toContain('\n=======\n');
    expect(out).toContain('>>>>>>> template\n');
    expect(out).toContain('throw new PathError(p);');
    expect(out).toContain("throw new Error('path traversal refused');");
    expect(out).not.toContain('|||||||');
    // Everything outside the conflict survives.
    expect(out).toContain('export function checkSize(input: string): void {');
  });

  it('counts several conflicts', async () => {
    const b = 'a\n1\n2\n3\n4\n5\nb\n';
    const d = await one('x.txt', b, b.replace('a', 'A-theirs').replace('b\n', 'B-theirs\n'), b.replace('a', 'A-ours').replace('b\n', 'B-ours\n'));
    expect(d).toMatchObject({ action: 'conflict', conflicts: 2 });
  });

  it('a clean merge that yields yours exactly → kept', async () => {
    // The template made the same change you did, plus nothing else.
    const d = await one('x.txt', 'a\nb\n', 'a\nB\n', 'a\nB\n');
    expect(d.action).toBe('kept');
  });

  it('CRLF files merge cleanly and stay CRLF', async () => {
    const d = await one('x.txt', 'a\r\nb\r\nc\r\nd\r\n', 'A\r\nb\r\nc\r\nd\r\n', 'a\r\nb\r\nc\r\nD\r\n');
    expect(d.action).toBe('merged');
    expect(text(d)).toBe('A\r\nb\r\nc\r\nD\r\n');
  });

  it('leaves no temporary folder behind', async () => {
    const leftovers = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('secure-mcp-merge-'));
    const before = leftovers().length;
    await one('x.txt', 'a\n', 'b\n', 'c\n');
    await gitMergeText('a\n', 'b\n', 'c\n');
    expect(leftovers().length).toBe(before);
  });

  it('throws when git cannot run (no silent empty merge)', async () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      await expect(gitMergeText('o\n', 'b\n', 't\n')).rejects.toThrow(/git merge-file failed/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('not-UTF-8 text both changed → conflict without markers, yours kept', async () => {
    const o = Buffer.from('caf\xe9 ours\n', 'latin1');
    const d = await one('notes.txt', Buffer.from('caf\xe9\n', 'latin1'), Buffer.from('caf\xe9 theirs\n', 'latin1'), o, failingMerge);
    expect(d).toMatchObject({ action: 'conflict', conflicts: 1 });
    expect(d.content?.equals(o)).toBe(true);
  });
});

describe('mergeProject: package.json', () => {
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const basePkg = {
    name: 'my-server',
    version: '0.1.0',
    type: 'module',
    scripts: { build: 'tsc', test: 'vitest run' },
    dependencies: { '@modelcontextprotocol/server': '2.4.0', zod: '4.2.0' },
    devDependencies: { typescript: '6.0.3', vitest: '4.1.12' },
  };

  it('template bumps zod; you add a dependency and a script → merged, both present', async () => {
    const theirs = { ...basePkg, dependencies: { ...basePkg.dependencies, zod: '4.3.1' } };
    const ours = {
      ...basePkg,
      version: '1.0.0',
      scripts: { ...basePkg.scripts, lint: 'eslint .' },
      dependencies: { ...basePkg.dependencies, 'left-pad': '1.3.0' },
    };
    const d = await one('package.json', json(basePkg), json(theirs), json(ours), failingMerge);
    expect(d.action).toBe('merged');
    const merged = JSON.parse(text(d)) as typeof ours;
    expect(merged.dependencies).toEqual({ '@modelcontextprotocol/server': '2.4.0', 'left-pad': '1.3.0', zod: '4.3.1' });
    expect(Object.keys(merged.dependencies)).toEqual(['@modelcontextprotocol/server', 'left-pad', 'zod']);
    expect(merged.scripts).toEqual({ build: 'tsc', test: 'vitest run', lint: 'eslint .' });
    expect(merged.version).toBe('1.0.0');
    expect(text(d)).toBe(json(merged));
    expect(text(d).endsWith('}\n')).toBe(true);
  });

  it('both change the same pin → conflict reported in why, your value kept', async () => {
    const theirs = { ...basePkg, dependencies: { ...basePkg.dependencies, zod: '4.3.1' }, devDependencies: { ...basePkg.devDependencies, vitest: '4.2.0' } };
    const ours = { ...basePkg, dependencies: { ...basePkg.dependencies, zod: '4.2.5' } };
    const d = await one('package.json', json(basePkg), json(theirs), json(ours), failingMerge);
    expect(d.action).toBe('conflict');
    expect(d.conflicts).toBe(1);
    expect(d.why).toContain('conflict in dependencies.zod: yours 4.2.5, template 4.3.1');
    const merged = JSON.parse(text(d)) as typeof ours;
    expect(merged.dependencies.zod).toBe('4.2.5');
    // The non-conflicting change is still taken.
    expect(merged.devDependencies.vitest).toBe('4.2.0');
    expect(text(d)).not.toContain('<<<<<<<');
  });

  it('template adds and removes keys; yours keeps its order, added keys appended', async () => {
    const theirs = {
      name: 'my-server',
      version: '0.1.0',
      type: 'module',
      scripts: { build: 'tsc', test: 'vitest run', check: 'create-secure-mcp check' },
      dependencies: { '@modelcontextprotocol/server': '2.4.0', zod: '4.2.0' },
      devDependencies: { typescript: '6.0.3' },
      engines: { node: '>=20.12' },
    };
    const ours = {
      version: '0.1.0',
      name: 'my-server',
      type: 'module',
      scripts: { test: 'vitest run', build: 'tsc', start: 'node dist/index.js' },
      dependencies: { '@modelcontextprotocol/server': '2.4.0', zod: '4.2.0' },
      devDependencies: { typescript: '6.0.3', vitest: '4.1.12', eslint: '9.0.0' },
    };
    const d = await one('package.json', json(basePkg), json(theirs), json(ours), failingMerge);
    expect(d.action).toBe('merged');
    const merged = JSON.parse(text(d)) as Record<string, Record<string, string>>;
    expect(Object.keys(merged)).toEqual(['version', 'name', 'type', 'scripts', 'dependencies', 'devDependencies', 'engines']);
    expect(Object.keys(merged.scripts ?? {})).toEqual(['test', 'build', 'start', 'check']);
    expect(merged.devDependencies).toEqual({ eslint: '9.0.0', typescript: '6.0.3' });
    expect(merged.engines).toEqual({ node: '>=20.12' });
  });

  it('an invalid package.json on one side falls back to the text merge', async () => {
    const calls: string[] = [];
    const mergeText: MergeText = (ours) => {
      calls.push(ours);
      return { text: ours, conflicts: 1 };
    };
    const d = await one('package.json', json(basePkg), json({ ...basePkg, version: '0.2.0' }), '{ "name": "broken", }\n', mergeText);
    expect(calls).toHaveLength(1);
    expect(d.action).toBe('conflict');
  });

  it('package.json added by both (no base) merges with an empty base', async () => {
    const d = await one('package.json', undefined, json({ name: 'x', dependencies: { zod: '4.3.1' } }), json({ name: 'x', dependencies: { zod: '4.2.0' }, scripts: { a: 'b' } }), failingMerge);
    expect(d).toMatchObject({ action: 'conflict', conflicts: 1 });
    expect(d.why).toBe('conflict in dependencies.zod: yours 4.2.0, template 4.3.1');
  });
});

describe('mergeProject: protected and user-only paths', () => {
  it('protected paths never produce content, even when all three differ', async () => {
    const paths = ['.env', '.env.local', '.secrets/dev-api-key', 'secure-mcp.json', 'api-keys.json', 'logs/audit.log', 'data/notes.db', 'package-lock.json', 'pnpm-lock.yaml', 'node_modules/zod/package.json', 'dist/index.js', 'app.sqlite-wal'];
    const make = (tag: string): FileSet => files(Object.fromEntries(paths.map((p) => [p, `${tag} ${p}\n`])));
    const decisions = await mergeProject(make('base'), make('theirs'), make('ours'), { mergeText: failingMerge });
    expect(decisions.map((d) => d.path)).toEqual([...paths].sort());
    for (const d of decisions) {
      expect(d.action).toBe('protected');
      expect(d.content).toBeUndefined();
    }
  });

  it('a protected path only on disk is not listed; .env.example is a template file', async () => {
    const decisions = await mergeProject(files({ '.env.example': 'A=\n' }), files({ '.env.example': 'A=\nB=\n' }), files({ '.env.example': 'A=\n', '.env': 'SECRET=1\n' }));
    expect(decisions).toEqual([expect.objectContaining({ path: '.env.example', action: 'updated' })]);
  });

  it('user-only files (a tool you added) are left alone and not listed', async () => {
    const base = files({ 'src/index.ts': 'x\n' });
    const theirs = files({ 'src/index.ts': 'y\n' });
    const ours = files({ 'src/index.ts': 'x\n', 'src/tools/weather.ts': 'export const weather = 1;\n', 'test/tools/weather.test.ts': 'it()\n' });
    const decisions = await mergeProject(base, theirs, ours, { mergeText: failingMerge });
    expect(decisions.map((d) => [d.path, d.action])).toEqual([['src/index.ts', 'updated']]);
  });

  it('decisions are sorted by path', async () => {
    const set = files({ 'b.ts': '1\n', 'a.ts': '1\n', 'src/z.ts': '1\n', 'README.md': '1\n' });
    const decisions = await mergeProject(set, set, set);
    expect(decisions.map((d) => d.path)).toEqual(['README.md', 'a.ts', 'b.ts', 'src/z.ts']);
  });

  it('isProtectedPath', () => {
    for (const p of ['.env', '.env.production', 'packages/x/.env', '.secrets/dev-api-key', 'secure-mcp.json', 'api-keys.json', 'logs/a.log', 'data/x.json', 'x.db', 'db/app.sqlite3', 'app.sqlite-shm', 'node_modules/a/b.js', 'dist/index.js', 'yarn.lock', 'bun.lock', 'bun.lockb', 'package-lock.json', 'pnpm-lock.yaml', 'logs', 'data']) {
      expect(isProtectedPath(p), p).toBe(true);
    }
    for (const p of ['.env.example', 'src/index.ts', 'src/data/schema.ts', 'test/logs.test.ts', 'package.json', 'README.md', 'src/config/api-keys.ts', 'Dockerfile', 'environment.ts']) {
      expect(isProtectedPath(p), p).toBe(false);
    }
  });
});
