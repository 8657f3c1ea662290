// The whole promise, end to end: generate, install, build, typecheck, and run the generated project's own
// security tests, for the --yes project (both + api-key + SQLite) and for http + oauth + redis +
// PostgreSQL with every tool.
// A sample of other combinations is typechecked against the same dependencies (`npm run test:matrix`
// typechecks every combination). Clients no one here wrote (the MCP Inspector CLI, the SDK v1 client, the
// conformance suite's full server run) then talk to the installed projects (drivers: test/support/real-clients.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allValidSpecs, specLabel } from '../../src/options/matrix.js';
import { runCli } from '../support/cli.js';
import { addSqliteTypes, npm, SUPERSET_FLAGS, typecheckCombination } from '../support/generated.js';
import { ensureBetterSqlite3Prebuild, prebuildEnv } from '../support/native-prebuilds.js';
import { timed } from '../support/progress.js';
import { conformanceAll, INSPECTOR, npx, startHttp, v1OverHttp, v1OverSse, v1OverStdio } from '../support/real-clients.js';

let work: string;
const projects = {
  yes: { dir: 'e2e-yes', flags: ['--yes'] },
  superset: { dir: 'e2e-oauth-redis-pg', flags: ['--yes', ...SUPERSET_FLAGS] },
} as const;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-e2e-'));
  // better-sqlite3 (the --yes project's SQLite driver) is compiled once per machine; installs use that build.
  const prebuilds = await ensureBetterSqlite3Prebuild();
  for (const { dir, flags } of Object.values(projects)) {
    const run = timed(`generate, install and build ${dir} (${flags.join(' ')})`, () =>
      runCli([dir, ...flags, '--no-git'], { cwd: work, env: { npm_config_user_agent: 'npm/11 node/v20', ...prebuildEnv(prebuilds.dir) } }),
    );
    if (run.status !== 0) throw new Error(`generating ${dir} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const types = timed('add the SQLite driver types to the superset project (for typechecking SQLite combinations)', () => addSqliteTypes(path.join(work, projects.superset.dir)));
  if (types.status !== 0) throw new Error(`adding @types/better-sqlite3 failed:\n${types.output}`);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(Object.entries(projects))('the %s project', (_name, { dir }) => {
  it('was installed and built by the generator', () => {
    const project = path.join(work, dir);
    expect(existsSync(path.join(project, 'node_modules', '@modelcontextprotocol', 'server'))).toBe(true);
    expect(existsSync(path.join(project, 'package-lock.json'))).toBe(true);
    expect(existsSync(path.join(project, 'dist', 'server.js'))).toBe(true);
  });

  it('typechecks', () => {
    const result = timed(`typecheck ${dir}`, () => npm(['run', 'typecheck'], path.join(work, dir)));
    expect(result.status, result.output).toBe(0);
  });

  it('passes its own security tests', () => {
    const result = timed(`run the generated tests of ${dir}`, () => npm(['test'], path.join(work, dir), { CI: process.env.CI ?? '' }));
    expect(result.status, result.output.slice(-8000)).toBe(0);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
    expect(result.output).not.toMatch(/\d+ failed/);
  }, 900_000);
});

/** One combination per transport × auth, rotating through stores and tool sets, so each pairing compiles. */
const SAMPLE = (() => {
  const groups = new Map<string, ReturnType<typeof allValidSpecs>>();
  for (const spec of allValidSpecs()) {
    const key = `${spec.transport}/${spec.auth}`;
    groups.set(key, [...(groups.get(key) ?? []), spec]);
  }
  return [...groups.values()].map((group, i) => group[(i * 5) % group.length]!);
})();

describe.each(SAMPLE.map((spec) => [specLabel(spec), spec] as const))('combination %s', (label, spec) => {
  it('compiles against the same dependencies', () => {
    const result = timed(`generate and typecheck combination ${label}`, () =>
      typecheckCombination(spec, work, `combo-${Math.random().toString(36).slice(2, 8)}`, path.join(work, projects.superset.dir)),
    );
    expect(result.status, result.output).toBe(0);
  }, 120_000);
});

const YES_TOOLS = ['whoami', 'list_files', 'read_file', 'search_notes', 'add_note', 'delete_note'];

/** Server log lines at error level or above (pino: 50 error, 60 fatal): a client must never cause one. */
function serverErrors(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /"level":(5|6)0\b/.test(line));
}

describe('real clients against generated servers', () => {
  it('the MCP Inspector CLI lists tools and calls whoami with the development API key', async () => {
    const project = path.join(work, projects.yes.dir);
    const key = readFileSync(path.join(project, '.secrets', 'dev-api-key'), 'utf8').trim();
    const server = await timed(`start the HTTP server of ${projects.yes.dir}`, () => startHttp(project));
    try {
      const auth = `--transport http --server-url ${server.url} --header 'Authorization: Bearer ${key}'`;
      const list = timed(`MCP Inspector: tools/list on ${projects.yes.dir} (first run fetches Node 22 and the Inspector)`, () =>
        npx(INSPECTOR, `mcp-inspector --cli ${auth} --method tools/list`),
      );
      expect(list.status, list.output).toBe(0);
      expect(JSON.parse(list.stdout).tools.map((t: { name: string }) => t.name)).toEqual(YES_TOOLS);
      const call = timed(`MCP Inspector: call whoami on ${projects.yes.dir}`, () =>
        npx(INSPECTOR, `mcp-inspector --cli ${auth} --method tools/call --tool-name whoami`),
      );
      expect(call.status, call.output).toBe(0);
      expect(call.stdout).toContain('apikey:dev');
      const anonymous = timed(`MCP Inspector: tools/list without a key on ${projects.yes.dir} (must be refused: exit 3)`, () =>
        npx(INSPECTOR, `mcp-inspector --cli --transport http --server-url ${server.url} --method tools/list`),
      );
      expect(anonymous.status, anonymous.output).toBe(3); // auth required
    } finally {
      await server.stop();
    }
  }, 600_000);

  it('the MCP Inspector CLI over stdio (as the README shows): lists tools, reads a sandbox file, and a path traversal is a clean tool error', () => {
    const project = path.join(work, projects.yes.dir);
    // The command a desktop client runs: node + the absolute path of the stdio entry, started from elsewhere.
    // `node` is this test's Node (the one better-sqlite3 was built for), not the Node 22 the Inspector runs on.
    const stdio = `mcp-inspector --cli ${process.execPath} ${path.join(project, 'dist', 'transports', 'stdio.js')}`;
    const list = timed(`MCP Inspector over stdio: tools/list on ${projects.yes.dir}`, () => npx(INSPECTOR, `${stdio} --method tools/list`, work));
    expect(list.status, list.output).toBe(0);
    expect(JSON.parse(list.stdout).tools.map((t: { name: string }) => t.name)).toEqual(YES_TOOLS);

    const read = timed(`MCP Inspector over stdio: read_file README.txt on ${projects.yes.dir}`, () =>
      npx(INSPECTOR, `${stdio} --method tools/call --tool-name read_file --tool-arg path=README.txt`, work),
    );
    expect(read.status, read.output).toBe(0);
    const sandboxReadme = readFileSync(path.join(project, 'sandbox', 'README.txt'), 'utf8').trim().split('\n')[0]!;
    expect(read.stdout).toContain(sandboxReadme);

    // Out of the sandbox to the host's files, and to the project's own secrets one level up.
    for (const escape of ['../../../../etc/passwd', '../.env']) {
      const refused = timed(`MCP Inspector over stdio: read_file ${escape} (must be a tool error: exit 5)`, () =>
        npx(INSPECTOR, `${stdio} --method tools/call --tool-name read_file --tool-arg path=${escape}`, work),
      );
      expect(refused.status, refused.output).toBe(5); // the tool returned isError: a clean refusal, not a crash
      const answer = JSON.parse(refused.stdout) as { isError?: boolean; content: Array<{ type: string; text: string }> };
      expect(answer.isError).toBe(true);
      const text = answer.content.map((c) => c.text).join('\n');
      // The whole answer is this sentence: no file content, no absolute path of the project or its sandbox.
      expect(text).toBe('Access denied: the path leads outside the files root.');
    }
  }, 300_000);

  it('the SDK v1 client over stdio and over Streamable HTTP with the API key lists tools and calls whoami; its deprecated SSE client gets a clean 4xx', async () => {
    const project = path.join(work, projects.yes.dir);
    const stdio = await timed(`SDK v1 client over stdio on ${projects.yes.dir}`, () => v1OverStdio(project));
    expect(stdio.protocolVersion).toBe('2025-11-25');
    expect(stdio.tools).toEqual(YES_TOOLS);
    expect(stdio.whoamiIsError, stdio.whoami).toBe(false);
    expect(stdio.whoami).toContain('local');

    const key = readFileSync(path.join(project, '.secrets', 'dev-api-key'), 'utf8').trim();
    const server = await timed(`start the HTTP server of ${projects.yes.dir} for the SDK v1 client`, () => startHttp(project));
    try {
      const http = await timed(`SDK v1 client over Streamable HTTP on ${projects.yes.dir}`, () => v1OverHttp(server.url, key));
      expect(http.protocolVersion).toBe('2025-11-25');
      expect(http.tools).toEqual(YES_TOOLS);
      expect(http.whoamiIsError, http.whoami).toBe(false);
      expect(http.whoami).toContain('apikey:dev');

      // HTTP+SSE (2024-11-05) is not served: the client must be told so at once — a 4xx it reports, no 5xx, no hang.
      const sse = await timed(`SDK v1 SSE client on ${projects.yes.dir} (must be refused)`, () => v1OverSse(server.url, key));
      expect(sse.error, `the SSE client connected (statuses ${sse.statuses.join(', ')})`).toBeInstanceOf(Error);
      const code = (sse.error as { code?: unknown }).code;
      expect(code, String(sse.error)).toBeTypeOf('number');
      expect(code as number).toBeGreaterThanOrEqual(400);
      expect(code as number).toBeLessThan(500);
      expect(String(sse.error)).toContain(String(code));
      expect(sse.statuses.length).toBeGreaterThan(0);
      expect(sse.statuses.filter((status) => status >= 500)).toEqual([]);
      expect(sse.ms).toBeLessThan(10_000);
      expect(serverErrors(server.stderr())).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('create-secure-mcp check on the installed project: no failure, the audit chain verifies, and --url passes every live item', async () => {
    const project = path.join(work, projects.yes.dir);
    const server = await timed(`start the HTTP server of ${projects.yes.dir} for check --url`, () => startHttp(project));
    try {
      const run = timed(`check --url on ${projects.yes.dir}`, () => runCli(['check', project, '--json', '--offline', '--url', server.url], { cwd: work }));
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const items = (JSON.parse(run.stdout) as { items: Array<{ id: string; status: string; message: string }> }).items;
      const byId = new Map(items.map((i) => [i.id, i]));
      expect(items.filter((i) => i.status === 'fail')).toEqual([]);
      // Installed: the lockfile is there; built: the project's own verifier ran with the key from its .env.
      expect(byId.get('SMCP-DEPS-001')?.status).toBe('pass');
      expect(byId.get('SMCP-AUDIT-002'), JSON.stringify(byId.get('SMCP-AUDIT-002'))).toMatchObject({ status: 'pass' });
      const live = items.filter((i) => i.id.startsWith('SMCP-LIVE-'));
      expect(live.length).toBeGreaterThanOrEqual(7);
      expect(live.filter((i) => i.status !== 'pass' && i.status !== 'not-applicable').map((i) => `${i.id} ${i.status}: ${i.message}`)).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 300_000);

  it('the conformance suite, every server scenario: exactly the expected ones fail, each for its stated reason (test/e2e/conformance-expected-failures.json)', async () => {
    const dir = 'e2e-conformance';
    const run = runCli([dir, '--yes', '--no-install', '--no-git', '--transport', 'http', '--auth', 'none', '--storage', 'none', '--tools='], { cwd: work });
    expect(run.status, run.stderr).toBe(0);
    const project = path.join(work, dir);
    symlinkSync(path.join(work, projects.superset.dir, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    const build = timed(`build ${dir}`, () => npm(['run', 'build'], project));
    expect(build.status, build.output).toBe(0);
    const expected = (JSON.parse(readFileSync(path.join(import.meta.dirname, 'conformance-expected-failures.json'), 'utf8')) as {
      expectedFailures: Array<{ scenario: string; reason: string; error: string }>;
    }).expectedFailures;
    const server = await timed(`start the HTTP server of ${dir}`, () => startHttp(project));
    try {
      // The suite's dns-rebinding scenario needs a localhost URL.
      const url = server.url.replace('127.0.0.1', 'localhost');
      const { run: suite, outcomes } = timed(`conformance: all server scenarios on ${dir}`, () => conformanceAll(url, path.join(work, 'conformance-results')));
      expect(outcomes.size, `scenarios with results (the suite printed:)\n${suite.output.slice(-4000)}`).toBe(32);
      const failing = [...outcomes].filter(([, outcome]) => outcome.failed).map(([scenario]) => scenario);
      // Exactly the listed ones: a new failure is a regression, a new pass means the list (and its reasons) is stale.
      expect(failing.sort(), suite.output.slice(-4000)).toEqual(expected.map((e) => e.scenario).sort());
      for (const { scenario, error } of expected) {
        expect(outcomes.get(scenario)?.errors.join('; '), `${scenario} must fail for its stated reason`).toContain(error);
      }
      for (const scenario of ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection']) expect(outcomes.get(scenario)?.failed, scenario).toBe(false);
      expect(serverErrors(server.stderr())).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 600_000);
});
