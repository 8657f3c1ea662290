// Audit lines for requests the HTTP layer refuses. Guards against unrecorded refusals: a 401 or 429
// on /mcp never reaches the tool guard, so this writes its one audit line (outcome unauthenticated or
// rate_limited; never the credential; arguments redacted like the guard's). If the line cannot be
// written, the caller answers 500 instead (fail closed, as the guard does).
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../runtime.js';
import type { AuditOutcome } from '../security/audit.js';
import type { Principal } from '../security/authz.js';
import { redactArgs } from '../security/redact.js';
import type { McpRequest } from './chain.js';

export function auditRefusal(runtime: Pick<Runtime, 'audit' | 'logger'>, req: McpRequest, outcome: AuditOutcome, reason: string, principal?: Principal): boolean {
  const rpc = req.rpc;
  const correlationId = randomUUID();
  try {
    runtime.audit.write({
      correlationId,
      principal: principal?.id ?? null,
      // tools/call → the tool; another JSON-RPC method → [method]; body not read yet → [http POST].
      tool: rpc?.toolName ?? (rpc?.method !== undefined ? `[${rpc.method}]` : `[http ${req.method}]`),
      outcome,
      reason: reason.slice(0, 256),
      durationMs: 0,
      args: redactArgs(rpc?.args ?? {}),
    });
    return true;
  } catch (error) {
    runtime.logger.fatal({ err: error, correlationId }, 'audit log write failed; refusing the response');
    return false;
  }
}
