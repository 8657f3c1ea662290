// The ONE handler wrapper. Guards every tools/call, whatever layer answers it:
//  - an envelope around the SDK's whole tools/call dispatch (outside its schema validation and tool
//    lookup) gives each call a correlation id, resolves the principal from the call context, applies
//    the per-principal and per-(principal, tool) rate limits, the scope check and the strict schema
//    check, and writes exactly ONE audit line before the response leaves (also for unknown tools and
//    malformed requests, which the SDK refuses before any tool code runs); on HTTP the rate limits are
//    consumed by the HTTP layer instead (rateLimitInGuard: false) and an SDK 403 insufficient_scope
//    is audited by the tool's scope challenge, so each call still gets exactly one line;
//  - the per-tool callback runs the handler with an AbortSignal (client cancel + TOOL_TIMEOUT_MS),
//    turns thrown errors into "Internal error (ref <id>)" (ToolError messages pass), caps the output.
// A tool callback reached without the envelope refuses to run (fail closed).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ProtocolError,
  ProtocolErrorCode,
  requireScopes,
  type CallToolResult,
  type JSONRPCRequest,
  type McpServer,
  type Result,
  type ScopeChallengeHandler,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Config } from '../config.js';
import type { Resources } from '../resources.js';
import type { Logger } from '../logger.js';
import type { ToolContext, ToolDefinition } from '../tools/define.js';
import type { AuditOutcome, AuditSink } from './audit.js';
import { denialText, missingScopes, principalFromAuthInfo, type Principal } from './authz.js';
import { errorResult, internalErrorText, sanitizeError, ToolError } from './errors.js';
import { toolNameOf } from './envelope.js';
import { capOutput } from './output-cap.js';
import { consumeCallBudget, rateLimitText, type RateLimits } from './rate-limit.js';

/** Calls still running: shutdown waits for them so each one's audit line is written before the log closes. */
export class InflightCalls {
  readonly #calls = new Set<Promise<unknown>>();
  get size(): number {
    return this.#calls.size;
  }
  track<T>(call: Promise<T>): Promise<T> {
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    this.#calls.add(settled);
    void settled.then(() => this.#calls.delete(settled));
    return call;
  }
  /** Resolves when every tracked call has settled, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.#calls), timeout]);
    clearTimeout(timer);
  }
}

export interface GuardDeps {
  config: Config;
  /** What the features opened (src/resources.ts): handed to every tool call as ctx.resources. */
  resources: Resources;
  logger: Logger;
  audit: AuditSink;
  rateLimits: RateLimits;
  inflight: InflightCalls;
  /** Who is calling: stdio returns the local principal; HTTP maps ctx.http.authInfo. undefined = unauthenticated. */
  resolvePrincipal(ctx: ServerContext): Principal | undefined;
  /** false on HTTP: its middleware already consumed the per-principal and per-tool budgets. Default true (stdio). */
  rateLimitInGuard?: boolean;
}

type Handler = (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>;
/** Server#_wrapHandler: the SDK's documented hook for wrapping a registered request handler (protected in its types). */
type WrapHook = { _wrapHandler(method: string, handler: Handler): Handler };

interface CallState {
  correlationId: string;
  principal: Principal;
  reached: boolean;
  outcome?: AuditOutcome;
  reason?: string;
}

/**
 * The envelope's state for each call, found again by the tool callback. Keyed by the call's own
 * AbortSignal (the SDK makes one per inbound request and hands the same one to the tool callback),
 * not an AsyncLocalStorage: that would turn on promise hooks for every promise in the process.
 */
type CallStates = WeakMap<AbortSignal, CallState>;

function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 10)
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join(', ');
}

/** Resolves when `work` settles, rejects as soon as `signal` aborts (the work is told via the same signal). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

export function installGuard(mcp: McpServer, tools: readonly ToolDefinition[], deps: GuardDeps): void {
  const { config, resources, logger, audit, rateLimits } = deps;
  const registry = new Map(tools.map((tool) => [tool.name, tool]));
  if (registry.size !== tools.length) throw new Error('duplicate tool name');
  const calls: CallStates = new WeakMap();

  // ---- per-tool callback: runs inside the envelope ----
  const execute = async (def: ToolDefinition, args: unknown, ctx: ServerContext): Promise<CallToolResult> => {
    const state = calls.get(ctx.mcpReq.signal);
    if (!state) {
      logger.error({ tool: def.name }, 'tool reached without the guard envelope; refusing');
      return errorResult('Internal error');
    }
    state.reached = true;
    const { correlationId, principal } = state;
    let toolLogger: Logger | undefined; // made on first use: most calls never log
    const getLogger = () => (toolLogger ??= logger.child({ correlationId, tool: def.name }));
    // Own controller + timer (not AbortSignal.any/timeout, whose sources can be garbage-collected
    // before they fire on Node 20): aborts on client cancel or after TOOL_TIMEOUT_MS, cleared after.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), controller.abort(new Error('tool timeout'))), config.toolTimeoutMs);
    const onCancel = () => controller.abort(ctx.mcpReq.signal.reason);
    if (ctx.mcpReq.signal.aborted) onCancel();
    else ctx.mcpReq.signal.addEventListener('abort', onCancel, { once: true });
    const { signal } = controller;
    try {
      // `as never`: the registry erases each tool's schema type; `args` is that schema's parsed output.
      const toolCtx: ToolContext = { principal, signal, config, resources, correlationId, get logger() { return getLogger(); } };
      const work = Promise.resolve().then(() => def.handler(args as never, toolCtx));
      const result = await untilAborted(work, signal);
      state.outcome = result.isError ? 'error' : 'ok';
      if (result.isError) state.reason = 'tool returned an error';
      const capped = capOutput(result, config.maxToolOutputBytes);
      if (capped.omittedBytes > 0) state.reason = `output truncated by ${capped.omittedBytes} bytes`;
      return capped.result;
    } catch (error) {
      state.outcome = 'error';
      if (signal.aborted) {
        state.reason = timedOut ? 'timeout' : 'cancelled';
        return errorResult(timedOut ? `Tool "${def.name}" timed out after ${config.toolTimeoutMs} ms.` : 'Tool call cancelled.');
      }
      state.reason = error instanceof ToolError ? 'tool error' : 'exception';
      return sanitizeError(error, correlationId, getLogger());
    } finally {
      clearTimeout(timer);
      ctx.mcpReq.signal.removeEventListener('abort', onCancel);
    }
  };

  // ---- envelope around the SDK's tools/call dispatch ----
  const envelope = async (inner: Handler, request: JSONRPCRequest, ctx: ServerContext): Promise<Result> => {
    const started = performance.now();
    const correlationId = randomUUID();
    const params = (request.params ?? {}) as { name?: unknown; arguments?: unknown };
    const toolName = toolNameOf(params.name);
    const def = typeof params.name === 'string' ? registry.get(params.name) : undefined;
    let principal: Principal | undefined;
    let outcome: AuditOutcome | undefined;
    let reason: string | undefined;
    let state: CallState | undefined;

    const decide = async (): Promise<Result> => {
      principal = deps.resolvePrincipal(ctx);
      if (!principal) {
        outcome = 'unauthenticated';
        return errorResult('Authentication required.');
      }
      const rate = deps.rateLimitInGuard === false ? { allowed: true as const } : await consumeCallBudget(rateLimits, principal.id, def);
      if (!rate.allowed) {
        outcome = 'rate_limited';
        reason = `${rate.limit} limit`;
        return errorResult(`${rateLimitText(rate.limit, toolName)}; retry in ${rate.retryAfterSeconds} seconds.`);
      }
      if (!def) {
        outcome = 'invalid_args';
        reason = typeof params.name === 'string' ? 'unknown tool' : 'malformed request';
        return inner(request, ctx); // the SDK answers (e.g. "Tool x not found"); we only record it
      }
      const missing = missingScopes(principal, def.scopes);
      if (missing.length > 0) {
        outcome = 'denied';
        reason = `missing scope ${missing.join(' ')}`;
        return errorResult(denialText(def.name, missing));
      }
      const parsed = def.inputSchema.safeParse(params.arguments ?? {});
      if (!parsed.success) {
        outcome = 'invalid_args';
        reason = issuesText(parsed.error.issues).slice(0, 256);
        return errorResult(`Input validation error: Invalid arguments for tool ${def.name}: ${issuesText(parsed.error.issues).slice(0, 2000)}`);
      }
      state = { correlationId, principal, reached: false };
      // The SDK validates again with the same strict schema (second line), then calls `execute`.
      calls.set(ctx.mcpReq.signal, state);
      try {
        return await inner(request, ctx);
      } finally {
        calls.delete(ctx.mcpReq.signal);
      }
    };

    let result: Result | undefined;
    let thrown: unknown;
    try {
      result = await decide();
    } catch (error) {
      thrown = error;
    }
    if (state) {
      if (state.reached) {
        outcome = thrown === undefined ? state.outcome : 'error';
        reason = thrown === undefined ? state.reason : 'result refused by the SDK';
      } else {
        outcome = 'invalid_args'; // refused by the SDK before the tool ran (e.g. input element cap)
        reason = 'refused by the SDK before the handler';
      }
    }
    outcome ??= thrown === undefined ? 'ok' : 'invalid_args';

    try {
      audit.write({
        correlationId,
        principal: principal?.id ?? null,
        tool: toolName,
        outcome,
        reason,
        durationMs: Math.round(performance.now() - started),
        args: params.arguments ?? {}, // redacted and bounded by the log
      });
    } catch (error) {
      logger.fatal({ err: error, correlationId }, 'audit log write failed; refusing the response');
      throw new ProtocolError(ProtocolErrorCode.InternalError, internalErrorText(correlationId));
    }
    if (thrown !== undefined) {
      // SDK protocol errors about the request itself are safe to pass; anything else is sanitised.
      if (thrown instanceof ProtocolError && !state?.reached) throw thrown;
      logger.error({ err: thrown, correlationId, tool: toolName }, 'tools/call failed');
      throw new ProtocolError(ProtocolErrorCode.InternalError, internalErrorText(correlationId));
    }
    return result as Result;
  };

  // Install the envelope, BEFORE the first registerTool makes McpServer set its tools/call handler.
  const server = mcp.server as unknown as WrapHook;
  const original = server._wrapHandler.bind(server);
  let installed = false;
  server._wrapHandler = (method, handler) => {
    const wrapped = original(method, handler);
    if (method !== 'tools/call') return wrapped;
    installed = true;
    return (request, ctx) => deps.inflight.track(envelope(wrapped, request, ctx));
  };

  // HTTP: the SDK answers a missing scope with 403 insufficient_scope BEFORE tools/call reaches the
  // envelope, so the challenge itself writes that call's one audit line (outcome denied).
  const auditedChallenge = (def: ToolDefinition, check: ScopeChallengeHandler): ScopeChallengeHandler => async (context) => {
    const challenge = await check(context);
    if (challenge !== undefined) {
      const args = (context.request.params as { arguments?: unknown } | undefined)?.arguments ?? {};
      audit.write({
        correlationId: randomUUID(),
        principal: principalFromAuthInfo(context.authInfo)?.id ?? null,
        tool: def.name,
        outcome: 'denied',
        reason: `missing scope ${challenge.scopes.join(' ')} (HTTP 403)`,
        durationMs: 0,
        args,
      }); // a failed write throws: the SDK then answers 500, not the call
    }
    return challenge;
  };

  for (const def of registry.values()) {
    const [first, ...rest] = def.scopes;
    mcp.registerTool(
      def.name,
      {
        title: def.title,
        description: def.description,
        inputSchema: def.inputSchema,
        annotations: def.annotations,
        ...(first === undefined ? {} : { scopeChallenge: auditedChallenge(def, requireScopes(first, ...rest)) }),
      },
      (args: unknown, ctx: ServerContext) => execute(def, args, ctx),
    );
  }
  // Fail closed if a future SDK no longer routes tools/call through the hook.
  if (!installed) throw new Error('guard: the tools/call envelope could not be installed; refusing to serve unguarded tools');
}
