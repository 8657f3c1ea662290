// `add tool` end to end: the project typechecks and its own tests pass right after, with no manual step.
// A --yes project (SQLite) gets three tools — read-only, read-only on the database, destructive on the database — and runs
// its typecheck and its whole test suite (the new tools' own tests, the contract test and the fuzzer over
// every tool included). A storage-less project, made from a team preset packed as an npm package (its
// addTool defaults and its own add-tool template), gets two tools and typechecks against the first
// project's node_modules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { npm } from '../support/generated.js';
import { ensureBetterSqlite3Prebuild, prebuildEnv } from '../support/native-prebuilds.js';
import { timed } from '../support/progress.js';

let work: string;
let sqlite: string;
let bare: string;

function add(project: string, args: readonly string[]): void {
  const run = runCli(['add', 'tool', ...args], { cwd: project });
  if (run.status !== 0) throw new Error(`add tool ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-e2e-add-'));
  const prebuilds = await ensureBetterSqlite3Prebuild();
  const made = timed('generate and install a --yes project for add tool', () =>
    runCli(['with-db', '--yes', '--no-git'], { cwd: work, env: { npm_config_user_agent: 'npm/11 node/v20', ...prebuildEnv(prebuilds.dir) } }),
  );
  if (made.status !== 0) throw new Error(`generating with-db failed (${made.status}):\n${made.stdout}\n${made.stderr}`);
  sqlite = path.join(work, 'with-db');
  add(sqlite, ['search_tickets', '--read-only', '--yes']);
  add(sqlite, ['count_titles', '--read-only', '--storage', '--yes']); // the read-only storage handler too
  add(sqlite, ['purge_drafts', '--destructive', '--storage', '--rate-limit-points', '20', '--description', 'Deletes your notes that have exactly this title.', '--yes']);

  // The storage-less project comes from a team preset shipped as an npm package tarball: its options, its
  // addTool defaults and its own add-tool template (kept verbatim in .secure-mcp/templates/).
  const presetDir = path.join(work, 'acme-preset');
  mkdirSync(path.join(presetDir, 'files', '.secure-mcp', 'templates'), { recursive: true });
  writeFileSync(path.join(presetDir, 'package.json'), JSON.stringify({ name: '@acme/mcp-preset', version: '1.0.0', files: ['preset.json', 'files'] }));
  writeFileSync(path.join(presetDir, 'preset.json'), JSON.stringify({ name: 'acme-mcp', version: '1.0.0', options: { storage: 'none', tools: ['files'] }, locked: ['storage'], files: './files', addTool: { scopePrefix: 'acme', rateLimitPoints: 30 } }));
  const toolTemplate = readFileSync(path.join(import.meta.dirname, '..', '..', 'templates', 'add-tool', 'tool.ts.hbs'), 'utf8');
  writeFileSync(path.join(presetDir, 'files', '.secure-mcp', 'templates', 'tool.ts.hbs'), `// Reviewed by @acme/security before merge.\n${toolTemplate}`);
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: presetDir, encoding: 'utf8' }).trim().split('\n').at(-1) as string;
  const bareRun = runCli(['no-db', '--yes', '--no-install', '--no-git', '--preset', path.join(work, tarball)], { cwd: work });
  if (bareRun.status !== 0) throw new Error(`generating no-db failed:\n${bareRun.stderr}`);
  bare = path.join(work, 'no-db');
  add(bare, ['get_weather', '--yes']);
  add(bare, ['reset_cache', '--destructive', '--scopes', 'cache:write,cache:admin', '--title', 'Reset cache', '--yes']);
  symlinkSync(path.join(sqlite, 'node_modules'), path.join(bare, 'node_modules'), 'dir');
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a --yes project with three added tools (read-only, read-only on the database, destructive on the database)', () => {
  it('lists both in src/tools/index.ts and the README', () => {
    const index = readFileSync(path.join(sqlite, 'src', 'tools', 'index.ts'), 'utf8');
    expect(index).toContain('searchTicketsTool,');
    expect(index).toContain('purgeDraftsTool,');
    const readme = readFileSync(path.join(sqlite, 'README.md'), 'utf8');
    expect(readme).toContain('| `search_tickets` |');
    expect(readme).toContain('| `purge_drafts` | Deletes your notes that have exactly this title. | `drafts:write` |');
  });

  it('typechecks', () => {
    const result = timed('typecheck the project with three added tools', () => npm(['run', 'typecheck'], sqlite));
    expect(result.status, result.output).toBe(0);
  }, 300_000);

  it('passes its own tests, the added tools\' included', () => {
    const result = timed('run the tests of the project with three added tools', () => npm(['test'], sqlite, { CI: process.env.CI ?? '' }));
    expect(result.status, result.output.slice(-8000)).toBe(0);
    expect(result.output).toMatch(/test\/tools\/search_tickets\.test\.ts/);
    expect(result.output).toMatch(/test\/tools\/purge_drafts\.test\.ts/);
    expect(result.output).toMatch(/test\/tools\/count_titles\.test\.ts/);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
    expect(result.output).not.toMatch(/\d+ failed/);
  }, 900_000);
});

describe('a storage-less project from a team preset (npm package tarball) with two added tools', () => {
  it("the added tool has the preset's scope prefix, budget and template", () => {
    const tool = readFileSync(path.join(bare, 'src', 'tools', 'get_weather.ts'), 'utf8');
    expect(tool).toMatch(/^\/\/ Reviewed by @acme\/security before merge\./);
    expect(tool).toContain('scopes: ["acme-weather:read"],');
    expect(tool).toContain('rateLimitPoints: 30,');
  });

  it('typechecks', () => {
    const result = timed('typecheck the storage-less project with two added tools', () => npm(['run', 'typecheck'], bare));
    expect(result.status, result.output).toBe(0);
  }, 300_000);
});
