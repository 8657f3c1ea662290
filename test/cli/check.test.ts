// `create-secure-mcp check` as a process without a TTY, the way CI runs it: a generated project has no
// failure; one planted problem fails exactly its item and exits 1; --fail-on warn counts warnings and
// checks that could not run; a missing folder or a bad flag exits 2; --json and --sarif are parseable;
// check writes nothing.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../src/check/rules/index.js';
import { runCli } from '../support/cli.js';

let root: string;
let project: string;

function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile()) entries.set(path.relative(dir, full), `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${statSync(full).mode}`);
  }
  return entries;
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'csm-check-'));
  const made = runCli(['srv', '--yes', '--no-install', '--no-git'], { cwd: root });
  expect(made.status, made.stderr).toBe(0);
  project = path.join(root, 'srv');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check', () => {
  it('a generated project: every item reported once with its stable id, no failure, exit 0, nothing written', () => {
    const before = snapshot(project);
    const run = runCli(['check', project, '--json', '--offline'], { cwd: root });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.items.map((i: { id: string }) => i.id)).toEqual(ALL_RULES.map((r) => r.id));
    expect(report.items.filter((i: { status: string }) => i.status === 'fail')).toEqual([]);
    expect(report.project).toMatchObject({ root: project, generated: true, files: 'folder' });
    // Offline and not installed: the audit could not run — reported so, never as a pass.
    expect(report.items.find((i: { id: string }) => i.id === 'SMCP-DEPS-002')?.status).toBe('could-not-run');
    expect(snapshot(project)).toEqual(before);
  });

  it('ids are unique and each item carries its checklist, OWASP entry and hint', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^SMCP-[A-Z]+-\d{3}$/);
      expect(rule.checklist.length, rule.id).toBeGreaterThan(10);
      expect(rule.owasp, rule.id).toMatch(/^MCP\d{2}: /);
      expect(rule.hint.length, rule.id).toBeGreaterThan(10);
    }
  });

  it('--fail-on warn turns warnings and checks that could not run into exit 1; the table names them on stderr', () => {
    const run = runCli(['check', '--offline', '--fail-on', 'warn'], { cwd: project });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/could not run +SMCP-DEPS-002/);
    expect(run.stderr).toMatch(/at or above --fail-on warn: .*SMCP-DEPS-002/);
  });

  it('a planted eval fails exactly SMCP-INJ-001: exit 1, file and line as evidence; SARIF shows it as an error', () => {
    const copy = path.join(root, 'planted');
    runCli(['planted', '--yes', '--no-install', '--no-git'], { cwd: root });
    appendFileSync(path.join(copy, 'src', 'server.ts'), '\nexport const run = (code: string): unknown => eval(code);\n');
    const json = runCli(['check', copy, '--json', '--offline'], { cwd: root });
    expect(json.status).toBe(1);
    const failed = JSON.parse(json.stdout).items.filter((i: { status: string }) => i.status === 'fail');
    expect(failed.map((i: { id: string }) => i.id)).toEqual(['SMCP-INJ-001']);
    expect(failed[0].evidence[0]).toMatchObject({ file: 'src/server.ts' });
    const sarif = runCli(['check', copy, '--sarif', '--offline'], { cwd: root });
    expect(sarif.status).toBe(1);
    const results = JSON.parse(sarif.stdout).runs[0].results;
    expect(results.filter((r: { level: string }) => r.level === 'error').map((r: { ruleId: string }) => r.ruleId)).toEqual(['SMCP-INJ-001']);
  });

  it('could not run: a missing folder, a bad flag, a bad --url — exit 2 with a cause and a hint', () => {
    for (const args of [['check', path.join(root, 'nope')], ['check', '--fail-on', 'sometimes'], ['check', '--json', '--sarif'], ['check', '--url', 'ftp://x'], ['check', '--colour']]) {
      const run = runCli(args, { cwd: root });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^✖ /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('check --help describes the flags and exit codes', () => {
    const run = runCli(['check', '--help'], { cwd: root });
    expect(run.status).toBe(0);
    for (const flag of ['--json', '--sarif', '--fail-on', '--url', '--offline', '--audit-key', '--preset']) expect(run.stdout).toContain(flag);
  });
});
