// Server factory, separate from the transports (SDK v2 style). Guards against a tool being exposed
// without the guard: tools are registered only through installGuard. Name/version come from
// package.json so the server identifies itself truthfully, and it advertises only what it does: the
// tool list is fixed at start-up, so `tools.listChanged` is false (the SDK would otherwise say true).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/server';
import { installGuard, type GuardDeps } from './security/guard.js';
import type { ToolDefinition } from './tools/define.js';

export interface ServerDeps extends GuardDeps {
  tools: readonly ToolDefinition[];
}

/** Defence in depth before schema validation: the SDK refuses arguments with more elements than this. */
export const MAX_TOOL_INPUT_ELEMENTS = 10_000;

const infoCache = new Map<string, { name: string; version: string }>();
export function packageInfo(projectRoot: string): { name: string; version: string } {
  let info = infoCache.get(projectRoot);
  if (!info) {
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    info = { name: String(pkg.name ?? 'mcp-server'), version: String(pkg.version ?? '0.0.0') };
    infoCache.set(projectRoot, info);
  }
  return info;
}

export function buildServer(deps: ServerDeps): McpServer {
  const server = new McpServer(packageInfo(deps.config.projectRoot), { maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS });
  installGuard(server, deps.tools, deps);
  // After the tools are registered (registering sets listChanged: true): this list never changes.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}
