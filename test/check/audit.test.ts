// SMCP-AUDIT-001 (who called which tool is recorded) and SMCP-AUDIT-002 (the chain verifies): the
// generated audit log passes; other projects by their audit calls; the verifier's exit codes map to
// pass / fail / could-not-run, the key reaches it only through its environment and never the report.
import { beforeAll, describe, expect, it } from 'vitest';
import { envKey, RULES } from '../../src/check/rules/audit.js';
import type { CheckContext, ExecResult, ProjectView, Rule } from '../../src/check/types.js';
import { changed, offlineContext, outcome, renderedFiles, view } from '../support/check-fixtures.js';

const rule = (id: string): Rule => {
  const found = RULES.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no rule ${id}`);
  return found;
};
const AUDIT_001 = rule('SMCP-AUDIT-001');
const AUDIT_002 = rule('SMCP-AUDIT-002');

let generated: Map<string, Buffer>;
beforeAll(async () => {
  generated = await renderedFiles();
}, 60_000);

/** The rendered project as if it were on disk and built (root set, dist/cli/audit-verify.js present). */
function onDisk(files: ReadonlyMap<string, Buffer | string>, built = true): ProjectView {
  const base = view(files);
  return { ...base, root: '/fake/project', exists: (f) => (built && f === 'dist/cli/audit-verify.js') || base.exists(f) };
}

interface Call {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv | undefined;
}

function fakeExec(answer: ExecResult): { calls: Call[]; exec: NonNullable<CheckContext['exec']> } {
  const calls: Call[] = [];
  return {
    calls,
    exec: async (command, args, options) => {
      calls.push({ command, args, env: options?.env });
      return answer;
    },
  };
}

describe('SMCP-AUDIT-001', () => {
  it('passes on a generated project, with the audit.write of the guard as evidence', async () => {
    const o = await outcome(AUDIT_001, generated);
    expect(o.status).toBe('pass');
    expect(o.evidence[0]).toMatchObject({ file: 'src/security/guard.ts' });
  });

  it('fails when the generated audit log is removed', async () => {
    expect((await outcome(AUDIT_001, changed(generated, { 'src/security/audit.ts': null }))).status).toBe('fail');
  });

  const other = (source: string) => new Map([['package.json', '{"name":"x"}'], ['src/server.ts', source]]);

  it('other projects: an audit call with the caller and the tool passes', async () => {
    const src = "server.registerTool('x', {}, async (args, extra) => {\n  auditLog.write({ user: extra.authInfo?.clientId, tool: 'x', at: Date.now() });\n  return { content: [] };\n});";
    expect((await outcome(AUDIT_001, other(src))).status).toBe('pass');
  });

  it('other projects: an audit call without who acted warns', async () => {
    const src = "server.registerTool('x', {}, async () => {\n  audit.record({ tool: 'x', at: Date.now() });\n  return { content: [] };\n});";
    const o = await outcome(AUDIT_001, other(src));
    expect(o.status).toBe('warn');
    expect(o.message).toMatch(/who acted/);
  });

  it('other projects: a debug log naming the caller and tool warns (not a dedicated audit log)', async () => {
    const src = "logger.info({ tool: name, user: req.auth.sub }, 'tool called');";
    expect((await outcome(AUDIT_001, other(src))).status).toBe('warn');
  });

  it('other projects: nothing audited fails (never not-applicable)', async () => {
    expect((await outcome(AUDIT_001, other("console.error('started');"))).status).toBe('fail');
    expect((await outcome(AUDIT_001, new Map([['package.json', '{}']]))).status).toBe('fail');
  });
});

describe('SMCP-AUDIT-002', () => {
  const KEY = 'k'.repeat(43);

  it('reads AUDIT_HMAC_KEY from a .env text', () => {
    expect(envKey('A=1\nAUDIT_HMAC_KEY="abc"\n')).toBe('abc');
    expect(envKey('export AUDIT_HMAC_KEY=xyz')).toBe('xyz');
    expect(envKey('AUDIT_HMAC_KEY=\n')).toBeUndefined();
    expect(envKey(undefined)).toBeUndefined();
  });

  it('in memory: could-not-run (never pass)', async () => {
    const o = await outcome(AUDIT_002, generated);
    expect(o.status).toBe('could-not-run');
    expect(o.message).toMatch(/in memory/);
  });

  it('not a generated project: not-applicable', async () => {
    const o = await outcome(AUDIT_002, new Map([['package.json', '{}'], ['src/a.ts', 'audit.write({})']]));
    expect(o.status).toBe('not-applicable');
  });

  it('no command runner, not built, no key: could-not-run with the reason', async () => {
    expect((await AUDIT_002.run(onDisk(generated), offlineContext())).message).toMatch(/no command runner/);
    const { exec, calls } = fakeExec({ code: 0, stdout: '', stderr: '' });
    const notBuilt = await AUDIT_002.run(onDisk(generated, false), offlineContext({ exec }));
    expect(notBuilt).toMatchObject({ status: 'could-not-run' });
    expect(notBuilt.message).toMatch(/npm run build/);
    const noKey = await AUDIT_002.run(onDisk(changed(generated, { '.env': '# nothing\n' })), offlineContext({ exec }));
    expect(noKey).toMatchObject({ status: 'could-not-run' });
    expect(noKey.message).toMatch(/AUDIT_HMAC_KEY/);
    expect(calls).toHaveLength(0);
  });

  it('exit 0: pass, the command as evidence; the key goes only into the environment', async () => {
    const { exec, calls } = fakeExec({ code: 0, stdout: 'verified: a.jsonl: 3 records\nOK: 3 records in 1 segment verified in /p/logs/audit\n', stderr: '' });
    const o = await AUDIT_002.run(onDisk(generated), offlineContext({ exec, auditKey: KEY }));
    expect(o.status).toBe('pass');
    expect(o.evidence[0]?.command).toBe('node dist/cli/audit-verify.js');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toBe(process.execPath);
    expect(calls[0]?.args).toEqual(['dist/cli/audit-verify.js']);
    expect(calls[0]?.env?.['AUDIT_HMAC_KEY']).toBe(KEY);
    expect(JSON.stringify(o)).not.toContain(KEY);
  });

  it('without --audit-key, the key of the project\'s .env is used', async () => {
    const { exec, calls } = fakeExec({ code: 0, stdout: 'OK', stderr: '' });
    const files = changed(generated, { '.env': `# x\nAUDIT_HMAC_KEY=${'e'.repeat(43)}\n` });
    expect((await AUDIT_002.run(onDisk(files), offlineContext({ exec }))).status).toBe('pass');
    expect(calls[0]?.env?.['AUDIT_HMAC_KEY']).toBe('e'.repeat(43));
  });

  it('exit 1: fail with the verifier\'s words; a line echoing the key is dropped', async () => {
    const stderr = `BROKEN: seg.jsonl line 7: mac mismatch (6 records before it verify)\nkey was ${KEY}\nFAILED: the audit log in /p does not verify\n`;
    const { exec } = fakeExec({ code: 1, stdout: '', stderr });
    const o = await AUDIT_002.run(onDisk(generated), offlineContext({ exec, auditKey: KEY }));
    expect(o.status).toBe('fail');
    expect(o.evidence[0]?.snippet).toMatch(/BROKEN: seg\.jsonl line 7/);
    expect(JSON.stringify(o)).not.toContain(KEY);
  });

  it('exit 3 (no records): pass, "no audit segments yet"', async () => {
    const { exec } = fakeExec({ code: 3, stdout: '', stderr: 'NO RECORDS: no audit records in /p/logs/audit (nothing to verify)\n' });
    const o = await AUDIT_002.run(onDisk(generated), offlineContext({ exec, auditKey: KEY }));
    expect(o).toMatchObject({ status: 'pass', message: 'no audit segments yet (nothing to verify)' });
  });

  it('exit 2, a timeout or a missing node: could-not-run', async () => {
    for (const answer of [{ code: 2, stdout: '', stderr: 'Invalid configuration:\n  - OAUTH_ISSUER is required' }, { code: null, stdout: '', stderr: '', error: 'node timed out' }, { code: 137, stdout: '', stderr: '' }] as ExecResult[]) {
      const { exec } = fakeExec(answer);
      expect((await AUDIT_002.run(onDisk(generated), offlineContext({ exec, auditKey: KEY }))).status).toBe('could-not-run');
    }
  });
});
