// Malformed tools/call envelopes. Guards against unrecorded call attempts: a tools/call whose JSON-RPC
// envelope is invalid (jsonrpc not "2.0", an id that is not a string or an integer, params that are not
// an object) is refused by the SDK before the guard's envelope runs — over HTTP with a 400, over stdio
// with no answer at all — so no audit line would be written. Each transport checks such a message
// before the SDK sees it, writes its one audit line (outcome invalid_args, arguments bounded by the
// log) and answers JSON-RPC Invalid Request itself.
import type { AuditSink } from './audit.js';

export const INVALID_REQUEST = -32600;

/** What is wrong with a message's JSON-RPC envelope, or undefined when nothing the SDK would refuse is. */
export function malformedEnvelope(message: unknown): string | undefined {
  const { jsonrpc, id, params } = message as { jsonrpc?: unknown; id?: unknown; params?: unknown };
  if (jsonrpc !== '2.0') return 'malformed request: jsonrpc is not "2.0"';
  if (id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id))) return 'malformed request: id is not a string or an integer';
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) return 'malformed request: params is not an object';
  return undefined;
}

/** A requested tool name as limits and audit lines carry it: at most 128 characters, or [malformed]. */
export function toolNameOf(name: unknown): string {
  return typeof name === 'string' ? name.slice(0, 128) : '[malformed]';
}

/** The tool name and arguments of a tools/call as far as they can be read (for its audit line). */
export function toolCallParts(message: unknown): { tool: string; args: unknown } {
  const params = (message as { params?: unknown }).params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return { tool: '[malformed]', args: {} };
  const { name, arguments: args } = params as { name?: unknown; arguments?: unknown };
  return { tool: toolNameOf(name), args: args ?? {} };
}

/** The message as a tools/call, or undefined (not JSON, not an object, another method). */
export function parseToolCall(text: string): Record<string, unknown> | undefined {
  if (!text.includes('tools/call')) return undefined; // cheap filter: most lines are not calls
  let message: unknown;
  try {
    message = JSON.parse(text); // V8's JSON.parse does not recurse: deep nesting is safe here
  } catch {
    return undefined;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message) || (message as { method?: unknown }).method !== 'tools/call') return undefined;
  return message as Record<string, unknown>;
}

/**
 * For one raw stdio line: when it is a tools/call with a malformed envelope — or with `found`, a problem
 * the caller found before parsing (nesting too deep) — writes its audit line and returns the JSON-RPC
 * error to answer (id null when the id itself is unusable); otherwise undefined and the line goes to the
 * SDK. A failed audit write is answered as an internal error (fail closed).
 */
export function refuseMalformedToolCall(text: string, audit: AuditSink, principal: string, correlationId: () => string, found?: string): { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string } } | undefined {
  const message = parseToolCall(text); // not a tools/call (or not JSON): the SDK answers it
  if (message === undefined) return undefined;
  const problem = found ?? malformedEnvelope(message);
  if (problem === undefined) return undefined;
  const rawId = (message as { id?: unknown }).id;
  const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isSafeInteger(rawId)) ? rawId : null;
  const { tool, args } = toolCallParts(message);
  const ref = correlationId();
  try {
    audit.write({ correlationId: ref, principal, tool, outcome: 'invalid_args', reason: problem, durationMs: 0, args });
  } catch {
    return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error (ref ${ref})` } };
  }
  return { jsonrpc: '2.0', id, error: { code: INVALID_REQUEST, message: `Invalid Request: ${problem}` } };
}
