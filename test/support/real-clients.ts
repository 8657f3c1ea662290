// Drivers for MCP clients no one here wrote, pointed at built generated projects: the MCP Inspector CLI and
// the conformance suite (both need Node 22: run through npx, pinned, so a new release cannot change a
// verdict), and the SDK v1 client (`@modelcontextprotocol/sdk`, a pinned devDependency) over stdio,
// Streamable HTTP and the deprecated HTTP+SSE transport.
// Guards against: a generated server that only works with the v2 SDK client our own tests use — a
// protocol, framing or transport detail that a real, older or third-party client trips over.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

const NODE22 = ['-y', '-p', 'node@22', '-p'];
export const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';
export const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';

/** PATH with Node 22 and `pkg`'s bins first, as npx sets it; resolved once per package (npx itself costs seconds a call). */
const npxPaths = new Map<string, string>();
function pathFor(pkg: string): string {
  let found = npxPaths.get(pkg);
  if (found === undefined) {
    const result = spawnSync('npx', [...NODE22, pkg, '-c', 'node -p process.env.PATH'], { encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0) throw new Error(`npx could not provide Node 22 and ${pkg}:\n${result.stderr}`);
    found = result.stdout.trim();
    npxPaths.set(pkg, found);
  }
  return found;
}

/** Runs the shell `command` with `pkg` on Node 22 (as `npx -p node@22 -p pkg -c command`); `cwd` defaults to this process's. */
export function npx(pkg: string, command: string, cwd?: string) {
  const result = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, PATH: pathFor(pkg), NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}\n${result.stderr}` };
}

/** Starts a built project's HTTP entry on a free loopback port; resolves with its URL once it listens. */
export async function startHttp(project: string): Promise<{ url: string; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(project, 'dist', 'transports', 'http.js')], {
    cwd: project,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', AUDIT_LOG_DIR: path.join(project, 'logs', `real-clients-${Date.now()}`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /"url":"([^"]+)"/.exec(stderr)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}:\n${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** What the v1 client saw: the negotiated protocol version, the tool names, and whoami's text. */
export interface V1Session {
  protocolVersion: string | undefined;
  tools: string[];
  whoami: string;
  whoamiIsError: boolean;
}

async function v1ListAndWhoami(transport: Transport): Promise<V1Session> {
  // The client hands the version it negotiated to setProtocolVersion (when the transport has one): record it.
  let negotiated: string | undefined;
  const forward = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version: string) => {
    negotiated = version;
    forward?.(version);
  };
  const client = new Client({ name: 'sdk-v1-real-client', version: '1.0.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    const content = Array.isArray(result.content) ? (result.content as Array<{ type: string; text?: string }>) : [];
    return {
      protocolVersion: negotiated,
      tools: tools.map((t) => t.name),
      whoami: content.map((c) => c.text ?? '').join('\n'),
      whoamiIsError: result.isError === true,
    };
  } finally {
    await client.close();
  }
}

/** The v1 client over stdio: spawns the project's stdio entry as a desktop client would (node + absolute path). */
export function v1OverStdio(project: string): Promise<V1Session> {
  return v1ListAndWhoami(
    new StdioClientTransport({
      command: process.execPath,
      args: [path.join(project, 'dist', 'transports', 'stdio.js')],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AUDIT_LOG_DIR: path.join(project, 'logs', `v1-stdio-${Date.now()}`) },
      stderr: 'ignore',
    }),
  );
}

/** The v1 client over Streamable HTTP with `Authorization: Bearer <key>`. */
export function v1OverHttp(url: string, key: string): Promise<V1Session> {
  return v1ListAndWhoami(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
}

/** How the deprecated HTTP+SSE client fared: every HTTP status it got, the error it reported, how long it took. */
export interface SseAttempt {
  statuses: number[];
  error: unknown;
  ms: number;
}

/** The v1 SSEClientTransport (GET an event stream, then POST to the endpoint it names) with a valid key; it must be refused. */
export async function v1OverSse(url: string, key: string, limitMs = 15_000): Promise<SseAttempt> {
  const statuses: number[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  const client = new Client({ name: 'sdk-v1-sse-client', version: '1.0.0' });
  const transport = new SSEClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${key}` } }, fetch: recording });
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the SSE client was neither served nor refused within ${limitMs} ms (hang)`)), limitMs);
  });
  try {
    await Promise.race([client.connect(transport), hang]);
    return { statuses, error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { statuses, error, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

/** One conformance scenario's outcome from its checks.json: failed if any check is a FAILURE. */
export interface ScenarioOutcome {
  failed: boolean;
  errors: string[];
}

/**
 * Runs every server scenario of the conformance suite (`--suite all`) against `url`, saving results under
 * `outDir`, and reads each scenario's checks.json back. The suite's own exit status is not the verdict
 * (scenarios that do not apply fail by design): the caller compares the outcomes with its expected list.
 */
export function conformanceAll(url: string, outDir: string) {
  const run = npx(CONFORMANCE, `conformance server --url ${url} --suite all -o ${outDir}`);
  const outcomes = new Map<string, ScenarioOutcome>();
  for (const entry of existsSync(outDir) ? readdirSync(outDir) : []) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry)?.[1];
    const file = path.join(outDir, entry, 'checks.json');
    if (!scenario || !existsSync(file)) continue;
    const checks = JSON.parse(readFileSync(file, 'utf8')) as Array<{ status: string; errorMessage?: string }>;
    const failures = checks.filter((c) => c.status === 'FAILURE');
    outcomes.set(scenario, { failed: failures.length > 0, errors: failures.map((c) => c.errorMessage ?? '(no message)') });
  }
  return { run, outcomes };
}
