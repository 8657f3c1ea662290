// Runtime wiring shared by every transport. Guards against each entry point assembling the controls
// differently: one function opens the audit log (this process's own segment), the rate limits and the tools.
// A transport supplies only how it identifies the caller (stdio: the local principal).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { ServerDeps } from './server.js';
import { AuditLog } from './security/audit.js';
import { localPrincipal, type Principal } from './security/authz.js';
import { InflightCalls } from './security/guard.js';
import { permissionsNotice } from './security/platform.js';
import { createRateLimits } from './security/rate-limit.js';
import { declaredScopes, type ToolDefinition } from './tools/define.js';
import { createTools } from './tools/index.js';
import { closeResources, openResources, prepareResources, type Resources } from './resources.js';

export interface Runtime extends ServerDeps {
  /** This process's audit segment writer (the guard sees it as an AuditSink). */
  audit: AuditLog;
  /** Waits (at most TOOL_TIMEOUT_MS + 1 s) for running calls to finish and write their audit lines. */
  drain(): Promise<void>;
  /** Closes the audit log (pending refusal counts, then its end record) at once, then the rate-limit store. Call drain() first on a graceful shutdown. */
  close(): Promise<void>;
  /** What the features opened (src/resources.ts): handed to every tool call, closed last. */
  resources: Resources;
  /** Readies the resources (src/resources.ts). Await it before serving; a rejection is a refusal to start. */
  prepare(): Promise<void>;
  /** LOCAL_PRINCIPAL with LOCAL_SCOPES: the identity on stdio and on HTTP with auth `none`. */
  localPrincipal: Principal;
}

export interface RuntimeOptions {
  /** Replace the tool list (tests register extra test-only tools this way). */
  tools?: readonly ToolDefinition[];
  resolvePrincipal?: ServerDeps['resolvePrincipal'];
  /** HTTP passes false: its middleware consumes the rate limits (see GuardDeps.rateLimitInGuard). */
  rateLimitInGuard?: boolean;
  /** Named in the audit segment's start record. Default `stdio`. */
  transport?: string;
}

/** The generator version from secure-mcp.json, if it can be read (named in audit start records). */
function generatorVersion(root: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'secure-mcp.json'), 'utf8')) as { generatorVersion?: unknown };
    return typeof manifest.generatorVersion === 'string' ? manifest.generatorVersion : undefined;
  } catch {
    return undefined;
  }
}

export function openRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Runtime {
  const notice = permissionsNotice(); // Windows: the mode and owner checks cannot run; say so, once
  if (notice !== undefined) logger.warn(notice);
  const resources = openResources(config, logger);
  const tools = options.tools ?? createTools({ config });
  const audit = AuditLog.open({
    dir: config.auditLogDir,
    key: config.auditHmacKey,
    maxSegmentBytes: config.auditSegmentMaxBytes,
    transport: options.transport ?? 'stdio',
    generatorVersion: generatorVersion(config.projectRoot),
  });
  const principal = localPrincipal(config, declaredScopes(tools));
  const inflight = new InflightCalls();
  const rateLimits = createRateLimits(config, logger);
  return {
    config,
    logger,
    tools,
    audit,
    rateLimits,
    rateLimitInGuard: options.rateLimitInGuard ?? true,
    inflight,
    localPrincipal: principal,
    resolvePrincipal: options.resolvePrincipal ?? (() => principal),
    resources,
    prepare: () => prepareResources(resources),
    drain: () => inflight.drain(config.toolTimeoutMs + 1000),
    async close() {
      audit.close(); // first and synchronous: an exit right after close() still leaves a closed log
      await rateLimits.close(); // Redis: quits the connection (memory: nothing to do)
      await closeResources(resources); // after drain(): no running call still uses them
    },
  };
}
