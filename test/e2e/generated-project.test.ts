// The whole promise, end to end: generate, install, build, typecheck, and run the generated project's own
// security tests, for the --yes project (both + api-key + SQLite) and for http + oauth + redis +
// PostgreSQL with every tool.
// A sample of other combinations is typechecked against the same dependencies (`npm run test:matrix`
// typechecks every combination).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allValidSpecs, specLabel } from '../../src/options/matrix.js';
import { runCli } from '../support/cli.js';
import { addSqliteTypes, npm, SUPERSET_FLAGS, typecheckCombination } from '../support/generated.js';
import { ensureBetterSqlite3Prebuild, prebuildEnv } from '../support/native-prebuilds.js';
import { timed } from '../support/progress.js';

let work: string;
const projects = {
  yes: { dir: 'e2e-yes', flags: ['--yes'] },
  superset: { dir: 'e2e-oauth-redis-pg', flags: ['--yes', ...SUPERSET_FLAGS] },
} as const;

/** Real clients that need Node 22, run through npx (pinned, so a new release cannot change the verdict). */
const NODE22 = ['-y', '-p', 'node@22', '-p'];
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';
const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';

function npx(pkg: string, command: string) {
  const result = spawnSync('npx', [...NODE22, pkg, '-c', command], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n') };
}

/** Starts a built project's HTTP entry on a free loopback port; resolves with its URL once it listens. */
async function startHttp(project: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(project, 'dist', 'transports', 'http.js')], {
    cwd: project,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', AUDIT_LOG_DIR: path.join(project, 'logs', `real-clients-${Date.now()}`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /"url":"([^"]+)"/.exec(stderr)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}:\n${stderr}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

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

describe('real clients against generated HTTP servers', () => {
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
      expect(JSON.parse(list.stdout).tools.map((t: { name: string }) => t.name)).toEqual(['whoami', 'list_files', 'read_file', 'search_notes', 'add_note', 'delete_note']);
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

  it('the conformance suite passes its server scenarios on a loopback server without auth', async () => {
    const dir = 'e2e-conformance';
    const run = runCli([dir, '--yes', '--no-install', '--no-git', '--transport', 'http', '--auth', 'none', '--storage', 'none', '--tools='], { cwd: work });
    expect(run.status, run.stderr).toBe(0);
    const project = path.join(work, dir);
    symlinkSync(path.join(work, projects.superset.dir, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    const build = timed(`build ${dir}`, () => npm(['run', 'build'], project));
    expect(build.status, build.output).toBe(0);
    const server = await timed(`start the HTTP server of ${dir}`, () => startHttp(project));
    try {
      // The suite's dns-rebinding scenario needs a localhost URL.
      const url = server.url.replace('127.0.0.1', 'localhost');
      for (const scenario of ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection']) {
        const result = timed(`conformance scenario ${scenario} on ${dir}`, () => npx(CONFORMANCE, `conformance server --url ${url} --scenario ${scenario}`));
        expect(result.status, `${scenario}\n${result.output}`).toBe(0);
        expect(result.output).toMatch(/Passed: (\d+)\/\1, 0 failed/);
      }
    } finally {
      await server.stop();
    }
  }, 600_000);
});
