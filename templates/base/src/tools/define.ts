// Tool definition shape. Guards against tools that skip a control: every tool declares a strict input
// schema, its scopes and honest annotations in one object, and only the guard registers it with the
// SDK, so no tool can be exposed without rate limiting, scope checks, validation and auditing.
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/server';
import type { z } from 'zod/v4';
import type { Config } from '../config.js';
import type { Resources } from '../resources.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../security/authz.js';

export interface ToolContext {
  principal: Principal;
  /** Aborts when the client cancels or TOOL_TIMEOUT_MS passes: hand it to every fs/network call. */
  signal: AbortSignal;
  config: Config;
  /** What the features opened (src/resources.ts): the only way a tool reaches them. */
  resources: Resources;
  /** Child logger bound to { correlationId, tool }; writes to stderr. */
  logger: Logger;
  correlationId: string;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  /** Fixed text: never built from data the tool reads. */
  description: string;
  /** z.object({...}).strict() with bounds on every string, array and number. */
  inputSchema: S;
  /** Scopes the caller must hold; [] = none. */
  scopes: readonly string[];
  /** Scopes the handler checks for more reach (e.g. `<resource>:admin`: every owner's data); not needed to call. */
  elevatedScopes?: readonly string[];
  /** readOnlyHint, destructiveHint, idempotentHint, openWorldHint: honest. */
  annotations: ToolAnnotations;
  /** Per-(principal, tool) budget per window; default RATE_LIMIT_POINTS. */
  rateLimitPoints?: number;
  // Method syntax on purpose: lets specific tools sit in a ToolDefinition[] (parameter bivariance).
  handler(args: z.output<S>, ctx: ToolContext): Promise<CallToolResult>;
}

export function defineTool<S extends z.ZodObject>(def: ToolDefinition<S>): ToolDefinition<S> {
  return Object.freeze(def);
}

/** Every scope the given tools declare, required or elevated. */
export function declaredScopes(tools: readonly ToolDefinition[]): string[] {
  return [...new Set(tools.flatMap((tool) => [...tool.scopes, ...(tool.elevatedScopes ?? [])]))].sort();
}
