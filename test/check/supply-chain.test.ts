// Supply-chain items: a generated project not yet installed warns for its lockfile and cannot audit in
// memory; a lockfile of the wrong manager, an ignored one, or none in an installed project fails; the
// audit runs through context.exec and only a parsed audit result can pass.
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES as CI_RULES } from '../../src/check/rules/ci.js';
import { RULES as PROJECT_RULES } from '../../src/check/rules/project.js';
import { parseAuditOutput, RULES as SUPPLY_RULES } from '../../src/check/rules/supply-chain.js';
import type { CheckContext, ExecResult, Rule } from '../../src/check/types.js';
import { PACKAGE_MANAGER_SPECS, changed, failingIds, offlineContext, outcome, renderedSpecs, ruleById } from '../support/check-fixtures.js';

type Files = Map<string, Buffer>;
const MINE: readonly Rule[] = [...PROJECT_RULES, ...SUPPLY_RULES, ...CI_RULES];
const rule = (id: string): Rule => ruleById(MINE, id);
const LOCK = rule('SMCP-DEPS-001');
const AUDIT = rule('SMCP-DEPS-002');

const SPECS = PACKAGE_MANAGER_SPECS;
const LOCKFILE: Record<string, string> = { default: 'package-lock.json', pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock', bun: 'bun.lock', 'http+oauth+postgres+redis': 'package-lock.json' };
const INSTALL: Record<string, string> = { default: 'npm install', pnpm: 'pnpm install', yarn: 'yarn install', bun: 'bun install', 'http+oauth+postgres+redis': 'npm install' };

let rendered: Awaited<ReturnType<typeof renderedSpecs>>;
beforeAll(async () => {
  rendered = await renderedSpecs(SPECS);
});
const files = (label: string): Files => rendered.get(label);

/** Ids of my items that fail on `project`. */
const failing = (project: Files, context?: CheckContext): Promise<string[]> => failingIds(MINE, project, context);

/** A context that can run commands: each call answers with `answer` (or throws it). */
function execContext(answer: ExecResult | Error, calls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = []): CheckContext {
  return offlineContext({
    offline: false,
    exec: async (command, args, options) => {
      calls.push({ command, args, timeoutMs: options?.timeoutMs });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
}

const npmAudit = (high: number, critical = 0, moderate = 1): string =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: {
      ...(high > 0 ? { 'path-to-regexp': { name: 'path-to-regexp', severity: 'high', via: [{ title: 'ReDoS in path-to-regexp', url: 'https://github.com/advisories/GHSA-9wv6-86v2-598j', severity: 'high' }] } } : {}),
      ...(high > 1 ? { express: { name: 'express', severity: 'high', via: ['path-to-regexp'] } } : {}),
      ...(moderate > 0 ? { cookie: { name: 'cookie', severity: 'moderate', via: [{ title: 'cookie accepts out of bounds characters', severity: 'moderate' }] } } : {}),
    },
    metadata: { vulnerabilities: { info: 0, low: 0, moderate, high, critical, total: moderate + high + critical } },
  });

describe('generated projects (in memory, not installed)', () => {
  for (const label of Object.keys(SPECS)) {
    it(`${label}: the lockfile warns "not installed yet", the audit could not run`, async () => {
      const lock = await outcome(LOCK, files(label));
      expect(lock.status).toBe('warn');
      expect(lock.message).toContain('not installed yet');
      expect(lock.message).toContain(INSTALL[label]);
      expect(lock.message).toContain(LOCKFILE[label]);
      expect((await outcome(AUDIT, files(label))).status).toBe('could-not-run');
    });

    it(`${label}: with its lockfile committed, the lockfile passes`, async () => {
      const project = changed(files(label), { [LOCKFILE[label] ?? '']: 'lockfile' });
      const lock = await outcome(LOCK, project);
      expect(lock.status, lock.message).toBe('pass');
      expect(lock.evidence[0]?.file).toBe(LOCKFILE[label]);
    });
  }
});

describe('SMCP-DEPS-001 lockfile', () => {
  it('fails when the lockfile belongs to another package manager than the one declared', async () => {
    const project = changed(files('pnpm'), { 'package-lock.json': '{}' });
    expect(await failing(project)).toEqual(['SMCP-DEPS-001']);
    expect((await outcome(LOCK, project)).message).toContain('declares pnpm');
  });

  it('fails when installed (node_modules present) but no lockfile exists', async () => {
    const project = changed(files('default'), { 'node_modules/zod/package.json': '{"name":"zod"}' });
    expect(await failing(project)).toEqual(['SMCP-DEPS-001']);
  });

  it('fails without a lockfile in a project not made by create-secure-mcp', async () => {
    const project = changed(files('http+oauth+postgres+redis'), { 'secure-mcp.json': null });
    expect(await failing(project)).toEqual(['SMCP-DEPS-001']);
  });

  it('fails when .gitignore keeps the lockfile out of git', async () => {
    const project = changed(files('yarn'), { 'yarn.lock': '# yarn lockfile', '.gitignore': (t) => `${t}yarn.lock\n` });
    expect(await failing(project)).toEqual(['SMCP-DEPS-001']);
    expect((await outcome(LOCK, project)).message).toContain('ignored');
  });

  it('warns when two package managers left lockfiles', async () => {
    const project = changed(files('default'), { 'package-lock.json': '{}', 'yarn.lock': '' });
    expect((await outcome(LOCK, project)).status).toBe('warn');
  });

  it('is not applicable without package.json', async () => {
    expect((await outcome(LOCK, changed(files('default'), { 'package.json': null }))).status).toBe('not-applicable');
  });
});

describe('SMCP-DEPS-002 audit', () => {
  const installed = (): Files => changed(files('default'), { 'package-lock.json': '{"lockfileVersion":3}' });

  it('passes on an audit with no high or critical advisory, running npm audit with a 60 s timeout', async () => {
    const calls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = [];
    const result = await outcome(AUDIT, installed(), execContext({ code: 0, stdout: npmAudit(0), stderr: '' }, calls));
    expect(result.status, result.message).toBe('pass');
    expect(calls).toEqual([{ command: 'npm', args: ['audit', '--json', '--audit-level=high'], timeoutMs: 60_000 }]);
    expect(result.evidence[0]?.command).toBe('npm audit --json --audit-level=high');
  });

  it('fails on two high advisories, with the command and the top advisories as evidence', async () => {
    const project = installed();
    const context = execContext({ code: 1, stdout: npmAudit(2), stderr: '' });
    expect(await failing(project, context)).toEqual(['SMCP-DEPS-002']);
    const result = await outcome(AUDIT, project, context);
    expect(result.message).toContain('2 high or critical advisories');
    expect(result.evidence[0]?.command).toBe('npm audit --json --audit-level=high');
    expect(result.evidence.some((e) => e.snippet?.includes('ReDoS in path-to-regexp'))).toBe(true);
    expect(result.evidence.length).toBeLessThanOrEqual(5);
  });

  it('could not run when the command fails, the registry is unreachable or the output is not JSON', async () => {
    const cases: (ExecResult | Error)[] = [
      { code: null, stdout: '', stderr: '', error: 'spawn npm ENOENT' },
      { code: 1, stdout: JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed' } }), stderr: '' },
      { code: 1, stdout: 'npm ERR! 405 Method Not Allowed', stderr: 'npm ERR! audit endpoint returned an error' },
      { code: 1, stdout: '', stderr: '' },
      { code: 1, stdout: '{}', stderr: '' },
      { code: null, stdout: '', stderr: '', error: 'timed out after 60000 ms' },
      new Error('exec exploded'),
    ];
    for (const answer of cases) {
      const result = await outcome(AUDIT, installed(), execContext(answer));
      expect(result.status, JSON.stringify(answer instanceof Error ? answer.message : answer)).toBe('could-not-run');
    }
  });

  it('could not run offline, in memory (no exec) or without a lockfile', async () => {
    const calls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = [];
    const ok = { code: 0, stdout: npmAudit(0), stderr: '' };
    expect((await outcome(AUDIT, installed(), { ...execContext(ok, calls), offline: true })).status).toBe('could-not-run');
    expect((await outcome(AUDIT, installed(), offlineContext({ offline: false }))).status).toBe('could-not-run');
    expect((await outcome(AUDIT, files('default'), execContext(ok, calls))).status).toBe('could-not-run');
    expect(calls).toEqual([]);
  });

  it('uses the declared package manager and reads its output', async () => {
    const calls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = [];
    const pnpmOut = JSON.stringify({ advisories: { 1: { module_name: 'tar', severity: 'critical', title: 'Arbitrary file write', url: 'https://x' } }, metadata: { vulnerabilities: { high: 0, critical: 1 } } });
    const pnpm = await outcome(AUDIT, changed(files('pnpm'), { 'pnpm-lock.yaml': 'lockfileVersion: 9' }), execContext({ code: 1, stdout: pnpmOut, stderr: '' }, calls));
    expect(pnpm.status).toBe('fail');
    expect(calls[0]?.command).toBe('pnpm');
    const bunOut = JSON.stringify({ minimist: [{ severity: 'high', title: 'Prototype Pollution', url: 'https://y' }] });
    expect((await outcome(AUDIT, changed(files('bun'), { 'bun.lock': '{}' }), execContext({ code: 1, stdout: bunOut, stderr: '' }))).status).toBe('fail');
    const bunClean = await outcome(AUDIT, changed(files('bun'), { 'bun.lock': '{}' }), execContext({ code: 0, stdout: '{}', stderr: '' }));
    expect(bunClean.status).toBe('pass');
    const yarnOut = `${JSON.stringify({ value: 'semver', children: { ID: 1, Issue: 'ReDoS', URL: 'https://z', Severity: 'high' } })}\n`;
    const yarnCalls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = [];
    expect((await outcome(AUDIT, changed(files('yarn'), { 'yarn.lock': '' }), execContext({ code: 1, stdout: yarnOut, stderr: '' }, yarnCalls))).status).toBe('fail');
    expect(yarnCalls[0]?.args.slice(0, 2)).toEqual(['npm', 'audit']);
  });

  it('parses yarn 1 summaries', () => {
    const out = [JSON.stringify({ type: 'auditAdvisory', data: { advisory: { module_name: 'lodash', severity: 'high', title: 'Prototype Pollution' } } }), JSON.stringify({ type: 'auditSummary', data: { vulnerabilities: { high: 1, critical: 0 } } })].join('\n');
    expect(parseAuditOutput(out)).toMatchObject({ serious: 1, summary: true });
    expect(parseAuditOutput('not json')).toBeUndefined();
  });
});
