/**
 * Audit of tool calls. Guards against tool calls nobody can account for afterwards: no audit log, a
 * log that does not say who acted, and (for projects made by create-secure-mcp) an HMAC-chained log
 * that no longer verifies — an edit, a deletion, a truncation or a foreign segment. Every MCP server
 * should audit its tool calls, so SMCP-AUDIT-001 is never not-applicable. The chain is verified by
 * the project's own `dist/cli/audit-verify.js`; the key is handed to it in its environment and never
 * printed (nor any output line containing it).
 */
import { evidenceOf, findInSources, maskComments, maskSecrets } from '../source-scan.js';
import type { CheckContext, Evidence, Outcome, ProjectView, Rule } from '../types.js';
import { callArguments, first, result } from './http-scan.js';

const MCP08 = 'MCP08: Lack of Audit and Telemetry';

const IDENTITY = /\b(?:principal\w*|sub|user(?:Id|name)?|clientId|actor|identity|caller|subject|authInfo|account)\b/i;
const TOOL = /\b(?:tool\w*|name|method)\b/i;
const AUDIT_CALL = /\b[\w$]*audit[\w$]*\s*(?:\.\s*[\w$]+\s*)?\(/i;
const LOG_CALL = /\b(?:logger|log|console|pino|winston)\s*\.\s*(?:info|warn|log|notice|debug)\s*\(/;

const auditLog: Rule = {
  id: 'SMCP-AUDIT-001',
  title: 'Audit log records who called which tool',
  severity: 'high',
  checklist: 'Every tool call is written to an audit log with the authenticated principal, the tool, the outcome and (redacted) arguments.',
  owasp: MCP08,
  hint: 'Write one audit record per tool call (principal or token subject, tool name, outcome, time) to an append-only log kept apart from debug logs; chain or sign the records if you can.',
  run(project) {
    if (project.manifest !== undefined) {
      const log = first(project, 'src/security/audit.ts', /export\s+class\s+AuditLog\b/);
      const field = first(project, 'src/security/audit.ts', /interface\s+AuditEvent\s*\{[^}]*\bprincipal\s*:/);
      if (log === undefined) return result('fail', 'src/security/audit.ts (the audit log) is missing or no longer defines AuditLog');
      // Every audit.write of the guard (the tool-call record and the scope-challenge refusal) names the principal and the tool.
      const guard = project.files.get('src/security/guard.ts');
      const writes = guard === undefined ? [] : findInSources([{ path: 'src/security/guard.ts', text: guard }], /\baudit\s*\.\s*write\s*\(/);
      const masked = guard === undefined ? '' : maskComments(guard);
      const anonymous = writes.filter((m) => {
        const args = callArguments(masked, m.index + m.match[0].length - 1, 1500);
        return !/\bprincipal\s*:/.test(args) || !/\btool\s*[:,}]/.test(args);
      });
      const sources = [{ path: 'src/security/guard.ts', text: guard ?? '' }];
      if (field === undefined || writes.length === 0) return result('fail', 'tool calls are no longer audited with their principal (src/security/guard.ts: audit.write with principal and tool)', [log, field]);
      if (anonymous.length > 0) return result('fail', 'a tool-call audit record of src/security/guard.ts does not name its principal and tool', anonymous.map((m) => evidenceOf(m, sources)));
      return result('pass', 'each tool call writes one HMAC-chained audit line with its principal, tool and outcome', [...writes.map((m) => evidenceOf(m, sources)), field, log]);
    }
    const sources = project.sources();
    const calls = [...findInSources(sources, AUDIT_CALL), ...findInSources(sources, LOG_CALL).filter((m) => /audit/i.test(argsOf(sources, m)))];
    const withWho = calls.filter((m) => {
      const args = argsOf(sources, m);
      return IDENTITY.test(args) && TOOL.test(args);
    });
    if (withWho.length > 0) return result('pass', 'audit records name the caller and the tool', withWho.map((m) => evidenceOf(m, sources)));
    if (calls.length > 0) return result('warn', 'an audit log was found, but its records do not show who acted (no principal, sub or user next to the tool name)', calls.map((m) => evidenceOf(m, sources)));
    const logged = findInSources(sources, LOG_CALL).filter((m) => {
      const args = argsOf(sources, m);
      return IDENTITY.test(args) && /\btool\w*\b/i.test(args);
    });
    if (logged.length > 0) return result('warn', 'tool calls are logged with the caller, but not to a dedicated audit log (debug logs are filtered, rotated and lost)', logged.map((m) => evidenceOf(m, sources)));
    return result('fail', 'no audit log of tool calls found (looked for audit* calls and log calls naming the tool and the caller)');
  },
};

function argsOf(sources: ReturnType<ProjectView['sources']>, m: { file: string; index: number; match: RegExpExecArray }): string {
  const text = sources.find((f) => f.path === m.file)?.text ?? '';
  return callArguments(maskComments(text), m.index + m.match[0].length - 1, 800);
}

// ---------------------------------------------------------------------------------------------
// SMCP-AUDIT-002 the chain verifies

const VERIFY = 'dist/cli/audit-verify.js';
const COMMAND = `node ${VERIFY}`;

/** AUDIT_HMAC_KEY from a .env text (last assignment wins, quotes removed), or undefined. */
export function envKey(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let key: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?AUDIT_HMAC_KEY\s*=\s*(.*?)\s*$/.exec(line);
    if (m === null) continue;
    const value = (m[1] ?? '').replace(/^(['"])(.*)\1$/, '$2').trim();
    key = value === '' ? undefined : value;
  }
  return key;
}

/** The verifier's output as evidence: a few lines, the key (if ever echoed) and secret-like runs masked. */
function outputExcerpt(text: string, key: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.includes(key)).slice(0, 4);
  return maskSecrets(lines.join(' | ').slice(0, 400));
}

async function verifyChain(project: ProjectView, context: CheckContext): Promise<Outcome> {
  if (project.manifest === undefined || !project.files.has('src/cli/audit-verify.ts')) {
    return result('not-applicable', 'not a project made by create-secure-mcp: only its HMAC-chained audit log can be verified');
  }
  if (project.root === undefined) return result('could-not-run', 'the project is in memory: the verifier cannot run');
  if (context.exec === undefined) return result('could-not-run', 'commands cannot run in this check (no command runner)');
  if (!project.exists(VERIFY)) return result('could-not-run', `${VERIFY} is missing: build the project first (npm run build)`);
  const key = context.auditKey ?? envKey(project.read('.env'));
  if (key === undefined || key === '') return result('could-not-run', 'no audit key: pass --audit-key, or set AUDIT_HMAC_KEY in the environment or the project\'s .env');
  // The verifier reads AUDIT_LOG_DIR and the key through the project's own config (real environment over .env).
  const run = await context.exec(process.execPath, [VERIFY], { timeoutMs: 120_000, env: { AUDIT_HMAC_KEY: key } });
  const out = outputExcerpt(run.stdout, key);
  const err = outputExcerpt(run.stderr, key);
  const evidence = (snippet: string): Evidence[] => [{ command: COMMAND, ...(snippet !== '' && { snippet }) }];
  if (run.error !== undefined) return result('could-not-run', `the verifier did not run: ${maskSecrets(run.error.split(key).join('***')).slice(0, 200)}`, evidence(''));
  switch (run.code) {
    case 0:
      return result('pass', 'the audit chain verifies', evidence(out || err));
    case 3:
      return result('pass', 'no audit segments yet (nothing to verify)', evidence(err || out));
    case 1:
      return result('fail', 'the audit log does not verify (edited, truncated, reordered or foreign records)', evidence(err || out));
    case 2:
      return result('could-not-run', 'the verifier could not run (configuration or an unreadable log directory)', evidence(err || out));
    default:
      return result('could-not-run', `the verifier ended with exit code ${String(run.code)}`, evidence(err || out));
  }
}

const auditChain: Rule = {
  id: 'SMCP-AUDIT-002',
  title: 'The audit chain verifies',
  severity: 'medium',
  checklist: 'The HMAC chain of the audit log verifies end to end: no edited, deleted, reordered or foreign records.',
  owasp: MCP08,
  hint: 'Run `npm run audit:verify` and investigate the segment and line it names; keep AUDIT_HMAC_KEY out of the log host\'s reach and ship segments to append-only storage.',
  run: verifyChain,
};

export const RULES: readonly Rule[] = [auditLog, auditChain];
