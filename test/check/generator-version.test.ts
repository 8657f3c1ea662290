// SMCP-UPDATE-001: a project generated before a release with security fixes for its files warns, naming
// each fix and `create-secure-mcp update`; the current version passes; a project without secure-mcp.json
// is not-applicable; a malformed generatorVersion warns. The release notes are the shipped file, and the
// version compare follows semver precedence.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, fixesAfter, loadReleaseNotes, parseReleaseNotes, parseVersion, RELEASE_NOTES_PATH } from '../../src/check/release-notes.js';
import { RULES } from '../../src/check/rules/generator-version.js';
import type { Rule } from '../../src/check/types.js';
import { changed, outcome, renderedFiles } from '../support/check-fixtures.js';

const rule = RULES.find((r) => r.id === 'SMCP-UPDATE-001') as Rule;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Files = Map<string, Buffer>;
let full: Files;
let stdioOnly: Files;

/** `files` with secure-mcp.json's generatorVersion set to `version` (any JSON value). */
function withVersion(files: Files, version: unknown): Files {
  return changed(files, {
    'secure-mcp.json': (text) => JSON.stringify({ ...(JSON.parse(text) as Record<string, unknown>), generatorVersion: version }, null, 2),
  });
}

beforeAll(async () => {
  full = await renderedFiles(); // both transports, api-key: has src/http/auth-failures.ts
  stdioOnly = await renderedFiles({ transport: 'stdio', auth: 'none', storage: 'none', tools: ['files'] });
});

describe('SMCP-UPDATE-001', () => {
  it('is one medium MCP04 rule', () => {
    expect(RULES.map((r) => r.id)).toEqual(['SMCP-UPDATE-001']);
    expect(rule.severity).toBe('medium');
    expect(rule.owasp).toBe('MCP04: Software Supply Chain Attacks & Dependency Tampering');
  });

  it('warns a project made by 0.0.9: lists SMCP-FIX-2026-001 with its summary and says update brings it', async () => {
    const result = await outcome(rule, withVersion(full, '0.0.9'));
    expect(result.status).toBe('warn');
    expect(result.message).toContain('SMCP-FIX-2026-001');
    expect(result.message).toContain('AUTH_FAILURE_POINTS');
    expect(result.message).toContain('create-secure-mcp update');
    expect(result.evidence[0]).toMatchObject({ file: 'secure-mcp.json', snippet: '"generatorVersion": "0.0.9",' });
    expect(result.evidence).toContainEqual(expect.objectContaining({ file: 'src/http/auth-failures.ts', snippet: expect.stringMatching(/^SMCP-FIX-2026-001 \(0\.1\.0\): /) }));
  });

  it('a pre-release of the fixing version is older than it: warns', async () => {
    expect((await outcome(rule, withVersion(full, '0.1.0-rc.1'))).status).toBe('warn');
  });

  it('passes the current version (and a newer one): no security fix released after it', async () => {
    const current = await outcome(rule, withVersion(full, VERSION));
    expect(current.status, current.message).toBe('pass');
    expect(current.message).toContain(`no security fix released after ${VERSION}`);
    expect((await outcome(rule, withVersion(full, '99.0.0'))).status).toBe('pass');
  });

  it('passes a 0.0.9 project that has none of the fixed files (stdio only: no HTTP authentication)', async () => {
    const result = await outcome(rule, withVersion(stdioOnly, '0.0.9'));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toContain('SMCP-FIX-2026-001 fix files this project does not have');
  });

  it('is not applicable without secure-mcp.json', async () => {
    expect((await outcome(rule, changed(full, { 'secure-mcp.json': null }))).status).toBe('not-applicable');
  });

  it('warns on a malformed or missing generatorVersion, and on a secure-mcp.json that is not JSON', async () => {
    for (const bad of ['latest', '1.2', 'v1.2.3.4', '', 12, null]) {
      const result = await outcome(rule, withVersion(full, bad));
      expect(result.status, String(bad)).toBe('warn');
      expect(result.message).toMatch(/not a version/);
    }
    expect((await outcome(rule, changed(full, { 'secure-mcp.json': '{ nope' }))).status).toBe('warn');
  });
});

describe('release notes', () => {
  it('the shipped file parses, newest first, and records SMCP-FIX-2026-001 in 0.1.0 for the HTTP authentication files', () => {
    const notes = loadReleaseNotes();
    expect(RELEASE_NOTES_PATH.endsWith('release-notes.json')).toBe(true);
    const versions = notes.releases.map((r) => parseVersion(r.version));
    for (let i = 1; i < versions.length; i++) expect(compareVersions(versions[i - 1]!, versions[i]!)).toBeGreaterThan(0);
    const release = notes.releases.find((r) => r.version === '0.1.0');
    expect(release?.securityFixes.map((f) => f.id)).toContain('SMCP-FIX-2026-001');
    expect(release?.securityFixes.find((f) => f.id === 'SMCP-FIX-2026-001')?.files).toEqual(['src/http/auth-failures.ts', 'src/http/authenticate.ts']);
    // Every release is at most the package's own version: the notes never promise a release not out yet.
    for (const v of versions) expect(compareVersions(v!, parseVersion(VERSION)!)).toBeLessThanOrEqual(0);
    // Fix ids are unique across releases.
    const ids = notes.releases.flatMap((r) => r.securityFixes.map((f) => f.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('malformed notes are refused with the place of the problem', () => {
    expect(() => parseReleaseNotes([])).toThrow(/not a JSON object/);
    expect(() => parseReleaseNotes({ releases: [{ version: 'x', date: '2026-01-01' }] })).toThrow(/releases\[0\]\.version/);
    expect(() => parseReleaseNotes({ releases: [{ version: '1.0.0', date: '2026-01-01', securityFixes: [{ id: 'A' }] }] })).toThrow(/securityFixes\[0\]\.summary/);
  });

  it('fixesAfter takes only releases newer than the version', () => {
    const notes = parseReleaseNotes({
      releases: [
        { version: '2.0.0', date: 'd', securityFixes: [{ id: 'B', summary: 's' }] },
        { version: '1.0.0', date: 'd', securityFixes: [{ id: 'A', summary: 's' }] },
      ],
    });
    expect(fixesAfter(notes, parseVersion('1.0.0')!).map((f) => f.fix.id)).toEqual(['B']);
    expect(fixesAfter(notes, parseVersion('0.9.9')!).map((f) => f.fix.id)).toEqual(['B', 'A']);
    expect(fixesAfter(notes, parseVersion('2.0.0')!)).toEqual([]);
  });
});

describe('semver compare', () => {
  const cmp = (a: string, b: string) => compareVersions(parseVersion(a)!, parseVersion(b)!);
  it('orders by semver precedence', () => {
    const ordered = ['0.0.9', '0.1.0-alpha', '0.1.0-alpha.1', '0.1.0-alpha.beta', '0.1.0-beta', '0.1.0-beta.2', '0.1.0-beta.11', '0.1.0-rc.1', '0.1.0', '0.1.1', '0.10.0', '1.0.0', '10.0.0'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) expect(Math.sign(cmp(ordered[i]!, ordered[j]!)), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
    }
    expect(cmp('1.0.0+build.5', '1.0.0')).toBe(0);
    expect(cmp('v1.2.3', '1.2.3')).toBe(0);
  });
  it('rejects what is not a version', () => {
    for (const bad of ['1', '1.2', '01.2.3', '1.2.3.4', 'latest', '1.2.3-', '']) expect(parseVersion(bad), bad).toBeUndefined();
  });
});
