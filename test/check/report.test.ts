// The check runner and its three reports: a rule that throws becomes "could not run" for its item (never
// a pass, never a crash); --fail-on decides which statuses are findings; the table, JSON and SARIF say
// the same thing; SARIF results always have a location; SARIF validates against the SARIF 2.1.0 schema.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJson, formatSarif, formatTable } from '../../src/check/report-formats.js';
import { findingsAt, runCheck } from '../../src/check/run-check.js';
import type { Outcome, Rule } from '../../src/check/types.js';
import { offlineContext, view } from '../support/check-fixtures.js';

const plain = { green: (t: string) => t, red: (t: string) => t, yellow: (t: string) => t, dim: (t: string) => t, bold: (t: string) => t };

function rule(id: string, outcome: Outcome | (() => never)): Rule {
  return {
    id,
    title: `Title of ${id}`,
    severity: 'high',
    checklist: `Checklist of ${id}`,
    owasp: 'MCP05: Command Injection & Execution',
    hint: `Fix ${id}.`,
    run: () => (typeof outcome === 'function' ? outcome() : outcome),
  };
}

const project = view(new Map([['package.json', '{"name":"x"}'], ['src/a.ts', 'eval(x)\n']]));
const rules = [
  rule('SMCP-T-001', { status: 'pass', message: 'all good', evidence: [{ file: 'src/a.ts', line: 1 }] }),
  rule('SMCP-T-002', { status: 'fail', message: 'eval found', evidence: [{ file: 'src/a.ts', line: 1, snippet: 'eval(x)' }] }),
  rule('SMCP-T-003', { status: 'warn', message: 'maybe', evidence: [] }),
  rule('SMCP-T-004', () => {
    throw new Error('unexpected token\n    at parse (x.js:1:1)');
  }),
  rule('SMCP-T-005', { status: 'not-applicable', message: 'no HTTP', evidence: [] }),
];

describe('runCheck', () => {
  it('turns a throwing rule into could-not-run with the first line of the reason, and counts every status', async () => {
    const report = await runCheck(project, offlineContext(), rules, '9.9.9');
    const crashed = report.items.find((i) => i.id === 'SMCP-T-004');
    expect(crashed).toMatchObject({ status: 'could-not-run', message: 'The check itself failed: unexpected token' });
    expect(report.summary).toEqual({ pass: 1, fail: 1, warn: 1, 'could-not-run': 1, 'not-applicable': 1 });
    expect(report.items.map((i) => i.id)).toEqual(rules.map((r) => r.id));
  });

  it('--fail-on fail counts failures only; --fail-on warn adds warnings and checks that could not run', async () => {
    const report = await runCheck(project, offlineContext(), rules, '9.9.9');
    expect(findingsAt(report, 'fail').map((i) => i.id)).toEqual(['SMCP-T-002']);
    expect(findingsAt(report, 'warn').map((i) => i.id)).toEqual(['SMCP-T-002', 'SMCP-T-003', 'SMCP-T-004']);
  });
});

describe('reports', () => {
  it('table: status, id, title; message, evidence and the fix for what did not pass; a summary line', async () => {
    const text = formatTable(await runCheck(project, offlineContext(), rules, '9.9.9'), plain);
    expect(text).toMatch(/FAIL +SMCP-T-002 +Title of SMCP-T-002\n +eval found\n +src\/a\.ts:1 +eval\(x\)\n +fix: Fix SMCP-T-002\./);
    expect(text).toMatch(/could not run +SMCP-T-004/);
    expect(text).toMatch(/n\/a +SMCP-T-005 +Title of SMCP-T-005\n(?! )/);
    expect(text).toContain('1 passed, 1 failed, 1 warnings, 1 could not run, 1 not applicable');
  });

  it('JSON: schema version, tool, summary and every item with its stable id and metadata', async () => {
    const json = JSON.parse(formatJson(await runCheck(project, offlineContext(), rules, '9.9.9')));
    expect(json).toMatchObject({ schemaVersion: 1, tool: { name: 'create-secure-mcp check', version: '9.9.9' }, summary: { fail: 1 } });
    expect(json.items[1]).toEqual({
      id: 'SMCP-T-002',
      title: 'Title of SMCP-T-002',
      status: 'fail',
      severity: 'high',
      message: 'eval found',
      evidence: [{ file: 'src/a.ts', line: 1, snippet: 'eval(x)' }],
      checklist: 'Checklist of SMCP-T-002',
      owasp: 'MCP05: Command Injection & Execution',
      hint: 'Fix SMCP-T-002.',
    });
  });

  it('SARIF: a rule per item, a result per finding (error for fail, warning otherwise), each with a location', async () => {
    const sarif = JSON.parse(formatSarif(await runCheck(project, offlineContext(), rules, '9.9.9')));
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(rules.map((r) => r.id));
    expect(run.results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level])).toEqual([
      ['SMCP-T-002', 'error'],
      ['SMCP-T-003', 'warning'],
      ['SMCP-T-004', 'warning'],
    ]);
    for (const result of run.results) expect(result.locations.length).toBeGreaterThan(0);
    expect(run.results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'src/a.ts', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } });
    expect(run.results[1].locations[0].physicalLocation.artifactLocation.uri).toBe('package.json');
    expect(run.tool.driver.rules[1].properties['security-severity']).toBe('8.0');
  });
});

describe('SARIF 2.1.0 schema', () => {
  // The OASIS SARIF 2.1.0 schema (rtm.5, as SchemaStore publishes it) ships inside @microsoft/jest-sarif;
  // fetched from the npm registry into a temporary folder (no dependency of ours), validated with ajv's
  // draft-04 support.
  let dir: string;
  let schema: Record<string, unknown>;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'csm-sarif-'));
    const tarball = execFileSync('npm', ['pack', '@microsoft/jest-sarif@1.0.0-beta.0', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: dir, encoding: 'utf8', timeout: 120_000 }).trim().split('\n').at(-1) as string;
    execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', dir, 'package/lib/schemas/sarif-2.1.0-rtm.5.json']);
    schema = JSON.parse(readFileSync(path.join(dir, 'package', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8'));
  }, 150_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('our SARIF validates (a run with findings of every kind)', async () => {
    const Ajv04 = (await import('ajv-draft-04')).default.default; // CommonJS: the class is the module's default export
    const ajv = new Ajv04({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }); // the schema has a pattern only a non-unicode RegExp accepts
    const validate = ajv.compile(schema);
    const sarif = JSON.parse(formatSarif(await runCheck(project, offlineContext(), rules, '9.9.9')));
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    // The validator is not a rubber stamp: a result without a message is refused.
    delete sarif.runs[0].results[0].message;
    expect(validate(sarif)).toBe(false);
  });
});
