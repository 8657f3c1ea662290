// `create-secure-mcp add tool` as a process without a TTY, on projects generated with --no-install (no
// install: fast). Every refusal exits 1 with a one-line cause and a hint and leaves every byte of the
// project as it was; a dry run writes nothing; a successful run adds exactly the tool and its test and
// edits exactly index.ts, README.md and SECURITY.md; a failure mid-way is rolled back; `create` never
// loads node-plop.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptCli, runCli } from '../support/cli.js';

let root: string;
/** Projects made once; each test works on its own copy. */
let sqliteProject: string;
let bareProject: string;
let copies = 0;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'csm-add-'));
  for (const [name, extra] of [['sqlite', []], ['bare', ['--storage', 'none']]] as const) {
    const run = runCli([name, '--yes', '--no-install', '--no-git', ...extra], { cwd: root });
    expect(run.status, run.stderr).toBe(0);
  }
  sqliteProject = path.join(root, 'sqlite');
  bareProject = path.join(root, 'bare');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function copyOf(project: string): string {
  const dir = path.join(root, `copy-${++copies}`);
  cpSync(project, dir, { recursive: true });
  return dir;
}

/** Every file and folder below dir, with a hash of each file's bytes and its mode. */
function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full).split(path.sep).join('/');
    if (entry.isDirectory()) entries.set(`${relative}/`, 'dir');
    else entries.set(relative, `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${(statSync(full).mode & 0o777).toString(8)}`);
  }
  return entries;
}

function expectOneLineCauseAndHint(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^✖ /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** Runs add tool in `cwd` and checks it refused with exit 1, one line and a hint, and changed nothing. */
function expectRefused(args: readonly string[], cwd: string, text: string | RegExp, watched: string = cwd): string {
  const before = snapshot(watched);
  const run = runCli(['add', 'tool', ...args], { cwd });
  expect(run.status, run.stderr).toBe(1);
  expect(run.stderr).toMatch(text);
  expectOneLineCauseAndHint(run.stderr);
  expect(snapshot(watched)).toEqual(before);
  return run.stderr;
}

describe('add tool refuses, exit 1, and leaves the project byte-for-byte as it was', () => {
  it.each([
    [['Bad-Name', '-y'], /not snake_case/],
    [['../evil', '-y'], /path characters/],
    [['tools/evil', '-y'], /path characters/],
    [['evil.ts', '-y'], /path characters/],
    [['x'.repeat(65), '-y'], /at most 64/],
    [['read_file', '-y'], /already exists/],
    [['whoami', '-y'], /already exists/],
    [['fetch_url', '-y'], /already exists/], // a catalog tool this project does not have
    [['define', '-y'], /already exists/], // src/tools/define.ts
    [['ok_tool', '-y', '--scopes', 'Tickets'], /--scopes/],
    [['ok_tool', '-y', '--scopes', 'tickets:read,../x:y'], /--scopes/],
    [['ok_tool', '-y', '--description', 'short'], /--description/],
    [['ok_tool', '-y', '--description', 'line one\nline two of it'], /--description/],
    [['ok_tool', '-y', '--title', ''], /--title/],
    [['ok_tool', '-y', '--rate-limit-points', '0'], /--rate-limit-points/],
    [['ok_tool', '-y', '--read-only', '--destructive'], /exclude each other/],
    [['ok_tool', '-y', '--bogus'], /Unknown option/],
  ])('%j', (args, text) => {
    expectRefused(args, copyOf(sqliteProject), text);
  });

  it('a folder without secure-mcp.json, in the current folder or through --dir', () => {
    const empty = path.join(root, 'not-a-project');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'README.md'), '# mine\n');
    expectRefused(['my_tool', '-y'], empty, /no secure-mcp\.json/);
    expectRefused(['my_tool', '-y', '--dir', empty], root, /no secure-mcp\.json/, empty);
  });

  it('a secure-mcp.json with a newer schemaVersion', () => {
    const project = copyOf(sqliteProject);
    const file = path.join(project, 'secure-mcp.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), schemaVersion: 99 }, null, 2));
    expectRefused(['my_tool', '-y'], project, /schemaVersion 99, newer/);
  });

  it('--storage in a project generated with --storage none', () => {
    const stderr = expectRefused(['my_tool', '-y', '--storage'], copyOf(bareProject), /--storage does not apply/);
    expect(stderr).toContain('--storage none');
  });

  it('without a TTY and without --yes: names every missing flag in one error', () => {
    const stderr = expectRefused(['my_tool'], copyOf(sqliteProject), /still needed/);
    for (const flag of ['--read-only or --destructive', '--storage or --no-storage', '--title', '--description', '--scopes']) expect(stderr).toContain(flag);
    // In a storage-less project there is nothing to decide about storage.
    expect(expectRefused(['my_tool', '--read-only'], copyOf(bareProject), /still needed/)).not.toContain('--storage');
  });

  it('a project whose src/tools/index.ts lacks the markers', () => {
    const project = copyOf(sqliteProject);
    const index = path.join(project, 'src', 'tools', 'index.ts');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/^.*create-secure-mcp add tool: tools above this line.*\n/m, ''));
    expectRefused(['my_tool', '-y'], project, /src\/tools\/index\.ts lacks the marker/);
  });

  it('a tool file or test already there (never overwritten)', () => {
    const project = copyOf(sqliteProject);
    mkdirSync(path.join(project, 'test', 'tools'));
    writeFileSync(path.join(project, 'test', 'tools', 'my_tool.test.ts'), '// mine\n');
    expectRefused(['my_tool', '-y'], project, /already exists/);
  });

  it('a tool name declared in a file of src/tools/', () => {
    const project = copyOf(sqliteProject);
    writeFileSync(path.join(project, 'src', 'tools', 'mine.ts'), "// mine\nexport const t = { name: 'my_tool' };\n");
    expectRefused(['my_tool', '-y'], project, /The tool my_tool already exists/);
  });

  it('an override template that breaks the strict rules', () => {
    const project = copyOf(sqliteProject);
    mkdirSync(path.join(project, '.secure-mcp', 'templates'), { recursive: true });
    writeFileSync(path.join(project, '.secure-mcp', 'templates', 'tool.ts.hbs'), '// {{tool.nmae}}\n');
    expectRefused(['my_tool', '-y'], project, /\.secure-mcp\/templates\/tool\.ts\.hbs failed to render/);
  });
});

describe('add tool', () => {
  it('--help documents the sub-command; the main --help names it', () => {
    const help = runCli(['add', 'tool', '--help'], { cwd: root });
    expect(help.status).toBe(0);
    for (const flag of ['--description', '--title', '--scopes', '--read-only', '--destructive', '--storage', '--no-storage', '--rate-limit-points', '--dir', '--dry-run', '--yes']) expect(help.stdout).toContain(flag);
    expect(runCli(['--help'], { cwd: root }).stdout).toContain('create-secure-mcp add tool <name>');
  });

  it('--dry-run prints the files to add and modify and writes nothing', () => {
    const project = copyOf(sqliteProject);
    const before = snapshot(project);
    const run = runCli(['add', 'tool', 'search_tickets', '--yes', '--dry-run'], { cwd: project });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/add +src\/tools\/search_tickets\.ts/);
    expect(run.stdout).toMatch(/add +test\/tools\/search_tickets\.test\.ts/);
    for (const file of ['src/tools/index.ts', 'README.md', 'SECURITY.md']) expect(run.stdout).toMatch(new RegExp(`modify +${file.replace(/\./g, '\\.')}`));
    expect(snapshot(project)).toEqual(before);
  });

  it('adds exactly the tool, its test and the edits (read-only defaults under --yes)', () => {
    const project = copyOf(sqliteProject);
    const before = snapshot(project);
    const run = runCli(['add', 'tool', 'search_tickets', '--yes'], { cwd: project });
    expect(run.status, run.stderr).toBe(0);
    const after = snapshot(project);
    const added = [...after.keys()].filter((k) => !before.has(k)).sort();
    const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort();
    const removed = [...before.keys()].filter((k) => !after.has(k));
    expect(added).toEqual(['src/tools/search_tickets.ts', 'test/tools/', 'test/tools/search_tickets.test.ts']);
    expect(changed).toEqual(['README.md', 'SECURITY.md', 'src/tools/index.ts']);
    expect(removed).toEqual([]);

    const read = (file: string) => readFileSync(path.join(project, file), 'utf8');
    const tool = read('src/tools/search_tickets.ts');
    expect(tool).toContain('name: "search_tickets"');
    expect(tool).toContain('scopes: ["tickets:read"]');
    expect(tool).toContain('readOnlyHint: true, destructiveHint: false');
    expect(tool).toContain('.strict()');
    expect(tool).toContain('new ToolError(');
    expect(tool).not.toMatch(/&quot;|&#x27;|\{\{/);
    expect(tool).not.toContain('ctx.resources.storage');
    expect(tool).toContain("import * as z from 'zod/v4';"); // a namespace import: the bundle keeps only the zod it uses
    const test = read('test/tools/search_tickets.test.ts');
    expect(test).toContain("from '../helpers.js'");
    expect(test).toContain('LOCAL_SCOPES');
    expect(read('src/tools/index.ts')).toMatch(/import \{ searchTicketsTool \} from '\.\/search_tickets\.js';\n\/\/ create-secure-mcp add tool: imports above this line/);
    expect(read('src/tools/index.ts')).toMatch(/ {4}searchTicketsTool,\n {4}\/\/ create-secure-mcp add tool: tools above this line/);
    expect(read('README.md')).toContain('| `search_tickets` | Search tickets. Reads data and changes nothing. | `tickets:read` |\n<!-- create-secure-mcp: tool rows above -->');
    expect(read('SECURITY.md')).toMatch(/^- \*\*Tools:\*\* `whoami`.*, `search_tickets`\.$/m);
    // The diff of each edited file is only the inserted line.
    for (const file of ['README.md', 'SECURITY.md', 'src/tools/index.ts']) {
      const original = readFileSync(path.join(sqliteProject, file), 'utf8').split('\n');
      const edited = read(file).split('\n');
      expect(edited.length - original.length, file).toBe(file === 'src/tools/index.ts' ? 2 : file === 'README.md' ? 1 : 0);
    }

    // A second tool goes below the first; the same name again is refused.
    const second = runCli(['add', 'tool', 'purge_drafts', '--destructive', '--storage', '--scopes', 'drafts:write', '--rate-limit-points', '5', '--title', 'Purge | drafts', '--description', 'Deletes your drafts with | this "title" & <tags>.', '-y'], { cwd: project });
    expect(second.status, second.stderr).toBe(0);
    const purge = read('src/tools/purge_drafts.ts');
    expect(purge).toContain('readOnlyHint: false, destructiveHint: true');
    expect(purge).toContain('rateLimitPoints: 5');
    expect(purge).toContain("db.deleteFrom('notes').where('owner', '=', ctx.principal.id)");
    expect(purge).toContain('title: "Purge | drafts"');
    expect(purge).toContain('description: "Deletes your drafts with | this \\"title\\" & <tags>."'); // the json helper, no HTML escaping
    expect(read('test/tools/purge_drafts.test.ts')).toContain("from '../storage-helpers.js'");
    expect(read('README.md')).toContain('| `search_tickets` |');
    expect(read('README.md')).toContain('| `purge_drafts` | Deletes your drafts with \\| this "title" & <tags>. | `drafts:write` |\n<!-- create-secure-mcp: tool rows above -->');
    expectRefused(['purge_drafts', '-y'], project, /already exists/);
  });

  it('--dir names the project; without a SECURITY.md tool list, SECURITY.md is left alone', () => {
    const project = copyOf(bareProject);
    const security = path.join(project, 'SECURITY.md');
    writeFileSync(security, '# Security\n\nOur own text.\n');
    const run = runCli(['add', 'tool', 'get_weather', '--yes', '--dir', project], { cwd: root });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(path.join(project, 'src', 'tools', 'get_weather.ts'))).toBe(true);
    expect(readFileSync(security, 'utf8')).toBe('# Security\n\nOur own text.\n');
  });

  it('uses the project\'s override templates, with the same helpers', () => {
    const project = copyOf(sqliteProject);
    const dir = path.join(project, '.secure-mcp', 'templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'tool.test.ts.hbs'), '// Team test of {{tool.name}} in {{name}}: {{json tool.scopes}} & <ok> {{run "test"}}\n');
    const run = runCli(['add', 'tool', 'team_tool', '--yes'], { cwd: project });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'test', 'tools', 'team_tool.test.ts'), 'utf8')).toBe('// Team test of team_tool in sqlite: ["tool:read"] & <ok> npm run test\n');
    expect(readFileSync(path.join(project, 'src', 'tools', 'team_tool.ts'), 'utf8')).toContain('defineTool'); // the packaged one
  });

  it('a failure mid-way rolls every change back (exit 2)', () => {
    for (const after of ['1', '3', '4']) {
      const project = copyOf(sqliteProject);
      const before = snapshot(project);
      const run = runCli(['add', 'tool', 'search_tickets', '--yes'], { cwd: project, env: { CREATE_SECURE_MCP_FAIL_AFTER_MOVE: after } });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain('Internal error');
      expect(snapshot(project)).toEqual(before);
    }
  });
});

describe('add tool interrupted', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s after the new files and one edit are in place: every change is undone (exit %i)', async (signal, code) => {
    const project = copyOf(sqliteProject);
    const before = snapshot(project);
    let atInterrupt = new Map<string, string>();
    const run = await interruptCli(['add', 'tool', 'search_tickets', '--yes'], {
      cwd: project,
      env: { CREATE_SECURE_MCP_PAUSE_AFTER_MOVE: '3' },
      marker: 'paused after placing 3 changes',
      signal,
      beforeSignal: () => (atInterrupt = snapshot(project)),
    });
    expect(run.sawMarker).toBe(true);
    expect(atInterrupt.has('src/tools/search_tickets.ts')).toBe(true); // the run was half-way…
    expect(atInterrupt.get('src/tools/index.ts')).not.toBe(before.get('src/tools/index.ts'));
    expect(run.status, run.stderr).toBe(code);
    expect(run.stderr).toContain('Interrupted: nothing was left behind.');
    expect(snapshot(project)).toEqual(before); // …and the project is as it was, with no staging folder
  });
});

describe('node-plop loads only for add tool', () => {
  it('create runs with node-plop unloadable; add tool under the same hook fails, proving the hook works', () => {
    const hook = path.join(root, 'block-node-plop.mjs');
    const resolver = "export async function resolve(specifier, context, next) { if (specifier === 'node-plop' || specifier.startsWith('node-plop/')) throw new Error('node-plop was imported'); return next(specifier, context); }";
    writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolver)}`)});\n`);
    const env = { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    const work = path.join(root, 'hooked');
    mkdirSync(work);
    const create = runCli(['srv', '--yes', '--no-install', '--no-git'], { cwd: work, env });
    expect(create.status, create.stderr).toBe(0);
    const dry = runCli(['add', 'tool', 'my_tool', '--yes', '--dry-run'], { cwd: path.join(work, 'srv'), env });
    expect(dry.status, dry.stderr).toBe(0); // a dry run applies nothing: no node-plop either
    const before = snapshot(path.join(work, 'srv'));
    const add = runCli(['add', 'tool', 'my_tool', '--yes'], { cwd: path.join(work, 'srv'), env });
    expect(add.status).toBe(2);
    expect(add.stderr).toContain('node-plop was imported');
    expect(snapshot(path.join(work, 'srv'))).toEqual(before);
  });
});
