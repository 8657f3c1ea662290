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
import type { McpRequest, McpResponse, Middleware } from './chain.js';
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

/**
 * THE audit record of a refusal of the HTTP layer. Without a principal (before authentication) it is
 * counted per client address (AuditLog#refusal); with one it gets its own line (`tool`/`args` default
 * to the request's parsed tools/call). False when the record could not be written: the caller answers
 * 500 instead (fail closed).
 */
export function auditRefusal(
  runtime: AuditRuntime,
  req: McpRequest,
  outcome: AuditOutcome,
  reason: string,
  principal?: Principal | null,
  call: { tool: string; args: unknown } = { tool: toolOf(req), args: req.rpc?.args ?? {} },
): boolean {
  const correlationId = randomUUID();
  try {
    if (principal === undefined) runtime.audit.refusal({ address: addressOf(runtime, req), tool: call.tool, outcome, reason });
    else runtime.audit.write({ correlationId, principal: principal?.id ?? null, ...call, outcome, reason, durationMs: 0 }); // args redacted and bounded by the log
    return true;
  } catch (error) {
    runtime.logger.fatal({ err: error, correlationId }, 'audit log write failed; refusing the response');
    return false;
  }
}

/** Audits a refusal (auditRefusal), then sends its answer — or 500 when the record could not be written. */
export function refuseAudited(
  runtime: AuditRuntime,
  req: McpRequest,
  res: McpResponse,
  audit: { outcome: AuditOutcome; reason: string; principal?: Principal | null; call?: { tool: string; args: unknown } },
  answer: { status: number; message: string; code?: number; headers?: Record<string, string> },
): void {
  if (!auditRefusal(runtime, req, audit.outcome, audit.reason, audit.principal, audit.call)) return sendError(res, 500, 'Internal error');
  sendError(res, answer.status, answer.message, { ...(answer.code === undefined ? {} : { code: answer.code }), ...(answer.headers === undefined ? {} : { headers: answer.headers }) });
}

/** After authentication and the call limits: records a malformed tools/call envelope, answers 400. */
export function auditMalformedToolCall(runtime: AuditRuntime): Middleware {
  return (req, res, next) => {
    if (req.rpc?.method !== 'tools/call') return next();
    const problem = malformedEnvelope(req.body);
    if (problem === undefined) return next();
    const principal = (res.locals['principal'] as Principal | undefined) ?? null;
    refuseAudited(runtime, req, res, { outcome: 'invalid_args', reason: problem, principal, call: toolCallParts(req.body) }, { status: 400, message: `Invalid Request: ${problem}`, code: RPC.invalidRequest });
  };
}
