// The `audit:verify` script (`node dist/cli/audit-verify.js [file]`): checks the audit log's HMAC chain. Guards against undetected edits,
// deletions, reordering or truncation. Exit 0 with the line count when the chain verifies; exit 1
// naming the first bad line; exit 2 when it cannot run. Never prints the key.
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { verifyAuditFile } from '../security/audit.js';

function main(): number {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const arg = process.argv[2];
  const file = arg ? path.resolve(arg) : config.auditLogFile;
  let result;
  try {
    result = verifyAuditFile(file, config.auditHmacKey);
  } catch (error) {
    process.stderr.write(`audit:verify: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return 2;
  }
  if (result.ok) {
    process.stdout.write(`OK: ${result.count} lines verified in ${file}\n`);
    return 0;
  }
  process.stderr.write(`FAILED: ${file} line ${result.line}: ${result.reason} (${result.count} lines before it verify)\n`);
  return 1;
}

process.exitCode = main();
