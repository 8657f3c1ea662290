// The `audit:verify` script (`node dist/cli/audit-verify.js [dir | segment file] [--json]`): checks every
// segment of the audit log directory (AUDIT_LOG_DIR by default; see src/security/audit-check.ts).
// Guards against undetected edits, deletions, reordering, truncation and foreign segments.
// Exit codes: 0 every segment verifies (open segments and segments that ended uncleanly are reported,
// the latter as warnings with their last good seq); 1 a segment is broken (segment and line named);
// 2 it cannot run (configuration, unreadable directory); 3 no records (an empty or missing log is not
// a verified one). `--json` prints the whole report on stdout. Never prints the key.
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { verifyAuditDir, type DirReport } from '../security/audit-check.js';

function describe(report: DirReport): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  for (const s of report.segments) {
    const who = s.pid === undefined ? '' : ` (pid ${s.pid} on ${s.host}, ${s.transport}, started ${s.started})`;
    if (s.status === 'broken') err.push(`BROKEN: ${s.segment} line ${s.line}: ${s.reason} (${s.records} records before it verify)`);
    else out.push(`${s.status === 'verified' ? 'verified' : s.status === 'open' ? 'open (writer running)' : 'ended uncleanly'}: ${s.segment}: ${s.records} records${who}`);
    for (const warning of s.warnings) err.push(`WARNING: ${s.segment}: ${warning}`);
  }
  if (report.status === 'broken') err.push(`FAILED: the audit log in ${report.dir} does not verify`);
  else if (report.status === 'no-records') err.push(`NO RECORDS: no audit records in ${report.dir} (nothing to verify)`);
  else out.push(`OK: ${report.records} records in ${report.segments.length} segment${report.segments.length === 1 ? '' : 's'} verified in ${report.dir}`);
  return { out, err };
}

function main(): number {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const target = args.find((a) => a !== '--json');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const dir = target ? path.resolve(target) : config.auditLogDir;
  let report: DirReport;
  try {
    report = verifyAuditDir(dir, config.auditHmacKey);
  } catch (error) {
    process.stderr.write(`audit:verify: cannot read ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return 2;
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const { out, err } = describe(report);
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    if (err.length > 0) process.stderr.write(`${err.join('\n')}\n`);
  }
  return report.status === 'broken' ? 1 : report.status === 'no-records' ? 3 : 0;
}

process.exitCode = main();
