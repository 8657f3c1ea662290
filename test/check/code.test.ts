// check: code rules (SMCP-INJ-001/002/003, SMCP-FILE-001, SMCP-NET-001, SMCP-STDIO-001) on generated
// projects, one-file mutations that break exactly one item, foreign-style snippets, and odd input.
import { beforeAll, describe, expect, it } from 'vitest';
import { maskCode } from '../../src/check/rules/code-lexer.js';
import { RULES as CODE } from '../../src/check/rules/code.js';
import { RULES as SECRETS } from '../../src/check/rules/secrets.js';
import { RULES as TOOLS } from '../../src/check/rules/tools.js';
import type { Outcome, Rule } from '../../src/check/types.js';
import { FEATURE_SPECS, changed, outcome, outcomesOf, renderedFiles, ruleById } from '../support/check-fixtures.js';

const ALL: readonly Rule[] = [...SECRETS, ...CODE, ...TOOLS];
const rule = (id: string): Rule => ruleById(ALL, id);

const statuses = (files: ReadonlyMap<string, Buffer | string>): Promise<Map<string, Outcome>> => outcomesOf(ALL, files);
const withStatus = (o: Map<string, Outcome>, status: string): string[] => [...o].filter(([, x]) => x.status === status).map(([id]) => id);

const SPECS = FEATURE_SPECS;
const rendered = new Map<string, Map<string, Buffer>>();
let base: Map<string, Buffer>;
let baseOutcomes: Map<string, Outcome>;

beforeAll(async () => {
  for (const [name, spec] of Object.entries(SPECS)) rendered.set(name, await renderedFiles(spec));
  base = rendered.get('default') as Map<string, Buffer>;
  baseOutcomes = await statuses(base);
});

/** Ids whose status the mutation changed to `status`. */
async function changedTo(files: ReadonlyMap<string, Buffer>, status: string): Promise<string[]> {
  const after = await statuses(files);
  return withStatus(after, status).filter((id) => baseOutcomes.get(id)?.status !== status);
}
const one = (path: string, code: string): Map<string, string> => new Map([[path, code]]);

describe('code rules on generated projects', () => {
  const expected: Record<string, Record<string, string>> = {
    default: { 'SMCP-INJ-001': 'pass', 'SMCP-INJ-002': 'pass', 'SMCP-INJ-003': 'pass', 'SMCP-FILE-001': 'pass', 'SMCP-NET-001': 'not-applicable', 'SMCP-STDIO-001': 'pass' },
    stdio: { 'SMCP-INJ-001': 'pass', 'SMCP-INJ-002': 'not-applicable', 'SMCP-INJ-003': 'pass', 'SMCP-FILE-001': 'pass', 'SMCP-NET-001': 'not-applicable', 'SMCP-STDIO-001': 'pass' },
    full: { 'SMCP-INJ-001': 'pass', 'SMCP-INJ-002': 'pass', 'SMCP-INJ-003': 'pass', 'SMCP-FILE-001': 'pass', 'SMCP-NET-001': 'pass', 'SMCP-STDIO-001': 'not-applicable' },
  };
  it.each(Object.keys(SPECS))('%s spec: nothing fails or warns', async (spec) => {
    const files = rendered.get(spec) as Map<string, Buffer>;
    for (const r of CODE) {
      const o = await outcome(r, files);
      expect(`${r.id} ${o.status}`, o.message).toBe(`${r.id} ${expected[spec]?.[r.id]}`);
    }
  });
});

describe('SMCP-INJ-001 eval', () => {
  it('fails on eval (only this item), at its line', async () => {
    const files = changed(base, { 'src/calc.ts': '// calculator\nexport const calc = (e: string): unknown => eval(e);\n' });
    expect(await changedTo(files, 'fail')).toEqual(['SMCP-INJ-001']);
    expect((await outcome(rule('SMCP-INJ-001'), files)).evidence[0]).toMatchObject({ file: 'src/calc.ts', line: 2 });
  });
  it.each(['new Function("a", body)', 'vm.runInNewContext(code, {})', 'const f = Function(src);', 'new vm.Script(src)'])('fails on %s', async (code) => {
    expect((await outcome(rule('SMCP-INJ-001'), one('src/x.ts', code))).status).toBe('fail');
  });
  it('ignores comments, strings, regexes and member calls named eval', async () => {
    const code = "// never eval(x)\nconst s = 'eval(x)';\nconst r = /eval\\(/;\nawait redis.eval(script, 1, key);\nconst t = `no ${'eval('} here`;\n";
    expect((await outcome(rule('SMCP-INJ-001'), one('src/x.ts', code))).status).toBe('pass');
  });
});

describe('SMCP-INJ-002 shell', () => {
  it('fails on exec with a template (only this item)', async () => {
    const files = changed(base, { 'src/run.ts': "import { exec } from 'node:child_process';\nexport const run = (f: string) => exec(`ls ${f}`);\n" });
    expect(await changedTo(files, 'fail')).toEqual(['SMCP-INJ-002']);
    expect((await outcome(rule('SMCP-INJ-002'), files)).evidence[0]).toMatchObject({ file: 'src/run.ts', line: 2 });
  });
  it.each([
    "import cp from 'child_process';\ncp.execSync('git ' + args);",
    "const { spawn } = require('child_process');\nspawn(cmd, { shell: true });",
    "import { execa } from 'execa';\nawait execa('ls', [dir], { shell: true });",
    "import { execaCommand } from 'execa';\nawait execaCommand(line);",
    "import { execFile } from 'node:child_process';\nexecFile('sh', ['-c', script]);",
    "import * as child from 'node:child_process';\nimport { promisify } from 'node:util';\nconst run = promisify(child.exec);\nawait run(cmd);",
  ])('fails on %s', async (code) => {
    expect((await outcome(rule('SMCP-INJ-002'), one('src/x.ts', code))).status).toBe('fail');
  });
  it('passes execFile/spawn with an argument array, literal exec, and unrelated .exec()', async () => {
    const code = [
      "import { execFile, spawn, exec } from 'node:child_process';",
      "execFile('git', ['status', dir]);",
      "spawn('node', [script], { shell: false });",
      "exec('git --version');",
      'const m = /a(b)/.exec(text);',
      "db.exec('CREATE TABLE t (a int)');",
    ].join('\n');
    const o = await outcome(rule('SMCP-INJ-002'), one('src/x.ts', code));
    expect(o.status, JSON.stringify(o.evidence)).toBe('pass');
  });
  it('is not applicable without child_process or execa', async () => {
    expect((await outcome(rule('SMCP-INJ-002'), one('src/x.ts', 'export const a = 1;'))).status).toBe('not-applicable');
  });
});

describe('SMCP-INJ-003 SQL', () => {
  it('fails on an interpolated query (only this item)', async () => {
    const files = changed(base, { 'src/storage/raw.ts': "import type { Pool } from 'pg';\nexport const byId = (pool: Pool, id: string) =>\n  pool.query(`SELECT * FROM notes WHERE id = ${id}`);\n" });
    expect(await changedTo(files, 'fail')).toEqual(['SMCP-INJ-003']);
    expect((await outcome(rule('SMCP-INJ-003'), files)).evidence[0]).toMatchObject({ file: 'src/storage/raw.ts', line: 3 });
  });
  it.each([
    "db.prepare('SELECT * FROM t WHERE name = \\'' + name + '\\'').all();",
    'sql.raw(column)',
    'await sql.unsafe(`DELETE FROM t WHERE id = ${id}`);',
    'const q = `UPDATE t SET a = ${a}`;\nawait client.execute(q);',
    "conn.query('SELECT * FROM ' + table);",
  ])('fails on %s', async (code) => {
    expect((await outcome(rule('SMCP-INJ-003'), one('src/x.ts', code))).status).toBe('fail');
  });
  it('passes bound parameters, Kysely sql templates and regex exec', async () => {
    const code = [
      "await pool.query('SELECT * FROM t WHERE id = $1', [id]);",
      'await sql`SELECT * FROM t WHERE id = ${id}`.execute(db);',
      "db.prepare('INSERT INTO t (a) VALUES (?)').run(a);",
      'await db.selectFrom("t").where("id", "=", id).execute();',
      'const m = /x/.exec(`${a}b`);',
      "sql.raw('now()')",
    ].join('\n');
    const o = await outcome(rule('SMCP-INJ-003'), one('src/x.ts', code));
    expect(o.status, JSON.stringify(o.evidence)).toBe('pass');
  });
});

describe('SMCP-FILE-001 / SMCP-NET-001 guarded access', () => {
  it('FILE-001 warns when a tool file imports fs directly (no other item changes)', async () => {
    const files = changed(base, { 'src/tools/disk.ts': "import { readFile } from 'node:fs/promises';\nexport const read = (p: string) => readFile(p, 'utf8');\n" });
    expect(await changedTo(files, 'fail')).toEqual([]);
    expect(await changedTo(files, 'warn')).toEqual(['SMCP-FILE-001']);
    expect((await outcome(rule('SMCP-FILE-001'), files)).evidence[0]).toMatchObject({ file: 'src/tools/disk.ts', line: 1 });
  });
  it('FILE-001 passes when the tool file goes through a sandbox module', async () => {
    const files = one('src/tools/disk.ts', "import fs from 'node:fs';\nimport { resolveInRoot } from '../sandbox.js';\n");
    files.set('src/sandbox.ts', 'export function resolveInRoot(p: string): string { return p; }\n');
    expect((await outcome(rule('SMCP-FILE-001'), files)).status).toBe('pass');
  });
  it('NET-001 warns when a tool file calls fetch directly (no other item changes)', async () => {
    const files = changed(base, { 'src/tools/web.ts': '// web helper\nexport const get = (u: string) => fetch(u);\n' });
    expect(await changedTo(files, 'fail')).toEqual([]);
    expect(await changedTo(files, 'warn')).toEqual(['SMCP-NET-001']);
    expect((await outcome(rule('SMCP-NET-001'), files)).evidence[0]).toMatchObject({ file: 'src/tools/web.ts', line: 2 });
  });
  it('NET-001 finds SDK-style tools using axios outside tools/', async () => {
    const code = "import axios from 'axios';\nserver.registerTool('get', { inputSchema: z.object({ u: z.string().max(9) }).strict() }, async ({ u }) => (await axios.get(u)).data);\n";
    expect((await outcome(rule('SMCP-NET-001'), one('src/index.ts', code))).status).toBe('warn');
  });
});

describe('SMCP-STDIO-001 stdout', () => {
  it('fails on console.log in the stdio entry (only this item), at its line', async () => {
    const files = changed(base, { 'src/transports/stdio.ts': (t) => t.replace("logger.info({ tools:", "console.log('ready');\nlogger.info({ tools:") });
    expect(await changedTo(files, 'fail')).toEqual(['SMCP-STDIO-001']);
    const o = await outcome(rule('SMCP-STDIO-001'), files);
    const text = (files.get('src/transports/stdio.ts') as Buffer).toString('utf8');
    expect(o.evidence[0]).toMatchObject({ file: 'src/transports/stdio.ts', line: text.split('\n').findIndex((l) => l.includes("console.log('ready')")) + 1 });
  });
  it('follows relative imports transitively', async () => {
    const files = changed(rendered.get('stdio') as Map<string, Buffer>, { 'src/security/errors.ts': (t) => `${t}\nexport function trace(x: unknown): void {\n  process.stdout.write(String(x));\n}\n` });
    const o = await outcome(rule('SMCP-STDIO-001'), files);
    expect(o.status).toBe('fail');
    expect(o.evidence[0]?.file).toBe('src/security/errors.ts');
  });
  it('allows console.error and code not reached from the stdio entry', async () => {
    const files = new Map([
      ['src/index.ts', "import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';\nimport { x } from './util.js';\nimport type { X } from './types.js';\nconsole.error('ready');\n"],
      ['src/util.ts', "export const x = 'console.log(1)';\n"],
      ['src/cli.ts', "console.log('cli output');\n"],
      ['src/types.ts', "export interface X { a: string }\nconsole.log('never loaded by the server');\n"],
    ]);
    expect((await outcome(rule('SMCP-STDIO-001'), files)).status).toBe('pass');
  });
});

describe('robustness', () => {
  const odd = new Map<string, string>([
    ['dist2/min.js', `!function(e){var t={};${'function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1,exports:{}};return e[r].call(o.exports,o,o.exports,n),o.l=!0,o.exports}'.repeat(3000)}}([]);`],
    ['src/unterminated.ts', "const a = 'no end\nconst b = `never closed ${x\nregisterTool('t', { inputSchema: z.object({\n"],
    ['src/huge.ts', `const s = "${'a'.repeat(500_000)}";\n`],
    ['src/brackets.ts', ')]}'.repeat(1000) + '{(['.repeat(1000) + 'defineTool({ name: \'x\', inputSchema: '],
    ['src/regex.ts', 'const r = /["\'`]/g; const d = a / b / c; const q = "after";\n'],
  ]);
  it('every rule returns an outcome quickly on minified, unterminated and huge input', async () => {
    const started = Date.now();
    for (const r of ALL) {
      const o = await outcome(r, odd);
      expect(['pass', 'fail', 'warn', 'not-applicable']).toContain(o.status);
      expect(o.evidence.length).toBeLessThanOrEqual(5);
      for (const e of o.evidence) expect((e.snippet ?? '').length).toBeLessThan(400);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
  it('stays fast on a 500 kB minified bundle full of calls and unbalanced brackets', async () => {
    const chunk = 'console.log(a,(b;logger.info({token:x};db.query(`SELECT ${y}`;server.registerTool(n,{inputSchema:z.object({a:z.string(';
    const big = new Map([['src/bundle.js', chunk.repeat(Math.floor(500_000 / chunk.length))]]);
    const started = Date.now();
    for (const r of ALL) await outcome(r, big);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
  it('maskCode keeps positions and blanks strings, comments and regex bodies', () => {
    const text = "a('x') // c\nb(`t ${v} u`); /* d */ r = /e\\/(/g.exec(s)";
    const m = maskCode(text);
    expect(m.length).toBe(text.length);
    expect(m.split('\n').length).toBe(2);
    expect(m).toContain('${v}');
    expect(m).toContain("a(' ')");
    expect(m).toContain('.exec(s)');
    expect(m).not.toMatch(/\/\/|\/\*| c$|t \$| u`|e\\/m);
  });
});
