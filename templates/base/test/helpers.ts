// Test helpers: random keys and temp dirs (never a committed secret), and an in-process server that
// runs the REAL stack (config → runtime → buildServer → guard → audit) behind serveStdio, reached by
// an SDK v2 client over an in-memory transport.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildServer } from '../src/server.js';
import type { ToolDefinition } from '../src/tools/define.js';
import { createTools } from '../src/tools/index.js';
import { REQUIRED_TEST_ENV, serverTestEnv } from './feature-env.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'mcp-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export { REQUIRED_TEST_ENV } from './feature-env.js';

/** A valid config in a fresh temp dir; `env` overrides. The project's .env is NOT read. */
export function testConfig(env: Record<string, string> = {}): Config {
  const dir = tempDir();
  return loadConfig(
    {
      AUDIT_HMAC_KEY: randomKey(),
      AUDIT_LOG_DIR: path.join(dir, 'logs', 'audit'),
      LOG_LEVEL: 'info',
      ...REQUIRED_TEST_ENV,
      ...serverTestEnv(dir),
      ...env,
    },
    { envFile: null },
  );
}

export interface AuditLine {
  type: 'call' | 'refusal';
  ts: string;
  seq: number;
  correlationId: string;
  principal: string | null;
  tool: string;
  outcome: string;
  reason?: string;
  durationMs: number;
  args: unknown;
  argsCut?: { sha256: string; hashComplete: boolean };
  /** refusal lines (before authentication): the client address, how many, first and last time. */
  address?: string;
  count?: number;
  first?: string;
  last?: string;
  prev: string;
  mac: string;
}

/** Every record (start, call, refusal, end) of a segment file, or of every segment in a directory, oldest first. */
export function readAuditRecords(target: string): (Record<string, unknown> & { type: string; seq: number })[] {
  if (!fs.existsSync(target)) return [];
  const files = fs.statSync(target).isDirectory()
    ? fs.readdirSync(target).filter((name) => name.endsWith('.jsonl')).sort().map((name) => path.join(target, name))
    : [target];
  return files.flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string; seq: number }),
  );
}

/** The call and refusal lines (no start or end records) of a segment file or a whole audit directory. */
export function readAudit(target: string): AuditLine[] {
  return readAuditRecords(target).filter((r) => r.type === 'call' || r.type === 'refusal') as unknown as AuditLine[];
}

export interface TestServer {
  client: Client;
  config: Config;
  runtime: Runtime;
  /** This server's own audit segment (the current one). */
  auditFile: string;
  audit(): AuditLine[];
  logs(): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  config?: Config;
  /** Tools added to the project's own list (test-only tools: never shipped in src/tools). */
  extraTools?: readonly ToolDefinition[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = options.config ?? testConfig(options.env);
  let logText = '';
  const logger = createLogger(config.logLevel, { write: (chunk: string) => void (logText += chunk) });
  const tools = [...createTools({ config }), ...(options.extraTools ?? [])];
  const runtime = openRuntime(config, logger, { tools });
  await runtime.prepare(); // readies src/resources.ts, as both entry points do before serving
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const handle = serveStdio(() => buildServer(runtime), { transport: serverTransport });
  const client = new Client({ name: 'test-client', version: '0.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(clientTransport);
  return {
    client,
    config,
    runtime,
    get auditFile() {
      return runtime.audit.file;
    },
    audit: () => readAudit(config.auditLogDir),
    logs: () => logText,
    async close() {
      await client.close();
      await handle.close();
      await runtime.drain();
      await runtime.close();
    },
  };
}

/**
 * Cases per fuzz property: FUZZ_RUNS from the environment (a test setting, never a server variable),
 * else `fallback`, which keeps the default test run quick.
 */
export function fuzzRuns(fallback: number): number {
  const raw = process.env['FUZZ_RUNS'];
  if (raw === undefined || raw === '') return fallback;
  const runs = Number(raw);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return runs;
}

/** The text of a tool result's first text block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('\n');
}
