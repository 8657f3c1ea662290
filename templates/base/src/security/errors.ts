// Error sanitising. Guards against leaking internals (paths, SQL, stack traces, library messages) to
// the client: the SDK sends a thrown error's message verbatim, so only ToolError messages — written
// for the client on purpose — pass through; anything else becomes a generic error with a correlation
// id, and the real error goes to the stderr log under the same id.
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Logger } from '../logger.js';

/** An error whose message is safe to show to the client. Throw it from a handler for expected failures. */
export class ToolError extends Error {
  override name = 'ToolError';
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

export function internalErrorText(correlationId: string): string {
  return `Internal error (ref ${correlationId})`;
}

/** Turns anything a handler threw into a result the client may see; logs the real error. */
export function sanitizeError(error: unknown, correlationId: string, logger: Logger): CallToolResult {
  if (error instanceof ToolError) return errorResult(error.message);
  logger.error({ err: error, correlationId }, 'tool handler failed');
  return errorResult(internalErrorText(correlationId));
}
