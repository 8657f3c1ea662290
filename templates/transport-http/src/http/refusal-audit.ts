// Audit lines for requests the HTTP layer refuses. Guards against unrecorded refusals without letting
// refusals flood the log:
//  - before authentication (401, the per-address 429) a refusal is counted, not copied: no arguments,
//    and per client address one line at the first refusal of a window plus one line counting the rest
//    (AuditLog#refusal), so a flood grows the log at a fixed rate at most;
//  - after authentication (a principal's 429) each refused call gets its own line, arguments redacted
//    and bounded by the log, like the guard's;
//  - a tools/call whose JSON-RPC envelope is malformed (jsonrpc not "2.0", an id that is not a string
//    or integer, params that are not an object; src/security/envelope.ts) gets its one line here and a
//    400, since the SDK would refuse it before the guard could record it.
// If a line cannot be written, the caller answers 500 instead (fail closed, as the guard does).
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../runtime.js';
import type { AuditOutcome } from '../security/audit.js';
import { malformedEnvelope, toolCallParts } from '../security/envelope.js';
import type { Principal } from '../security/authz.js';
import type { McpRequest, Middleware } from './chain.js';
import { clientAddress, ipBucket } from './client-ip.js';
import { RPC, sendError } from './respond.js';

type AuditRuntime = Pick<Runtime, 'audit' | 'logger'> & Partial<Pick<Runtime, 'config'>>;

/** tools/call → the tool; another JSON-RPC method → [method]; body not read yet → [http POST]. */
const toolOf = (req: McpRequest): string => req.rpc?.toolName ?? (req.rpc?.method !== undefined ? `[${req.rpc.method}]` : `[http ${req.method}]`);

function addressOf(runtime: AuditRuntime, req: McpRequest): string {
  try {
    return ipBucket(clientAddress(req, runtime.config?.http.trustProxy ?? []));
  } catch {
    return req.socket?.remoteAddress ?? 'unknown';
  }
}

export function auditRefusal(runtime: AuditRuntime, req: McpRequest, outcome: AuditOutcome, reason: string, principal?: Principal): boolean {
  const correlationId = randomUUID();
  try {
    if (principal === undefined) {
      runtime.audit.refusal({ address: addressOf(runtime, req), tool: toolOf(req), outcome, reason });
    } else {
      runtime.audit.write({
        correlationId,
        principal: principal.id,
        tool: toolOf(req),
        outcome,
        reason,
        durationMs: 0,
        args: req.rpc?.args ?? {}, // redacted and bounded by the log
      });
    }
    return true;
  } catch (error) {
    runtime.logger.fatal({ err: error, correlationId }, 'audit log write failed; refusing the response');
    return false;
  }
}

/** After authentication and the call limits: records a malformed tools/call envelope, answers 400. */
export function auditMalformedToolCall(runtime: AuditRuntime): Middleware {
  return (req, res, next) => {
    if (req.rpc?.method !== 'tools/call') return next();
    const problem = malformedEnvelope(req.body);
    if (problem === undefined) return next();
    const principal = res.locals['principal'] as Principal | undefined;
    const correlationId = randomUUID();
    try {
      runtime.audit.write({ correlationId, principal: principal?.id ?? null, ...toolCallParts(req.body), outcome: 'invalid_args', reason: problem, durationMs: 0 });
    } catch (error) {
      runtime.logger.fatal({ err: error, correlationId }, 'audit log write failed; refusing the response');
      return sendError(res, 500, 'Internal error');
    }
    sendError(res, 400, `Invalid Request: ${problem}`, { code: RPC.invalidRequest });
  };
}
