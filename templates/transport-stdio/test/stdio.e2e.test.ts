// stdio end to end: spawns the BUILT server exactly as the client config does
// (`node <abs>/dist/transports/stdio.js`, from another working directory) and proves that only
// JSON-RPC reaches stdout, that bad config stops it with a clear message, and that two processes of
// one project run side by side, each with its own audit segment, both verifying, and that the built entry's
// stack traces name src/…ts files (mapped through the bundle's source map). Needs the build first (the `test` script compiles first).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT, randomKey, readAudit, readAuditRecords, tempDir } from './helpers.js';
import { serverTestEnv } from './feature-env.js';

const ENTRY = path.join(PROJECT_ROOT, 'dist', 'transports', 'stdio.js');

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dir = tempDir('mcp-e2e-');
  return {
    PATH: process.env['PATH'] ?? '',
    AUDIT_HMAC_KEY: randomKey(),
    AUDIT_LOG_DIR: path.join(dir, 'logs', 'audit'),
    ...serverTestEnv(dir),
    ...extra,
  };
}

async function connect(env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [ENTRY], cwd: tempDir('mcp-cwd-'), env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const client = new Client({ name: 'e2e', version: '0.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

describe('stdio transport', () => {
  test('an SDK client spawns the built server from another cwd, lists tools and calls whoami', async () => {
    const env = serverEnv({ LOCAL_PRINCIPAL: 'alice', LOCAL_SCOPES: 'demo:read' });
    const { client, stderr } = await connect(env);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('whoami');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toEqual({ principal: 'alice', kind: 'local', scopes: ['demo:read'] });
    } finally {
      await client.close();
    }
    expect(readAudit(env['AUDIT_LOG_DIR']!)).toMatchObject([{ principal: 'alice', tool: 'whoami', outcome: 'ok' }]);
    expect(stderr()).toContain('MCP server ready on stdio'); // operational logs went to stderr
    // graceful shutdown on stdin end closed the session's segment with its end record
    await expect
      .poll(() => readAuditRecords(env['AUDIT_LOG_DIR']!).some((r) => r.type === 'end' && readAuditRecords(env['AUDIT_LOG_DIR']!).some((c) => c.type === 'call')), { timeout: 5_000 })
      .toBe(true);
  });

  test('raw: every line on stdout is a JSON-RPC message, logs go to stderr', async () => {
    const env = serverEnv({ LOG_LEVEL: 'debug' });
    const child = spawn(process.execPath, [ENTRY], { cwd: tempDir('mcp-cwd-'), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    await expect.poll(() => stdout.includes('"id":1'), { timeout: 5_000 }).toBe(true);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'whoami', arguments: { x: 1 } } });
    send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'nope', arguments: {} } });
    send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'whoami', arguments: 'not-an-object' } });
    await expect.poll(() => [2, 3, 4, 5, 6].every((id) => stdout.includes(`"id":${id}`)), { timeout: 5_000 }).toBe(true);
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);

    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      const message = JSON.parse(line) as { jsonrpc?: string };
      expect(message.jsonrpc).toBe('2.0');
    }
    expect(stderr).toContain('"level":'); // pino JSON on stderr
    // every tools/call wrote exactly one audit line, including the malformed one
    // (calls ran concurrently, so lines are in completion order)
    expect(readAudit(env['AUDIT_LOG_DIR']!).map((l) => l.outcome).sort()).toEqual(['invalid_args', 'invalid_args', 'invalid_args', 'ok']);
  });

  test('the built entry is a bundle whose stack traces are mapped: an error in the operational log names the src/…ts file and line', async () => {
    // dist/transports/stdio.js is the launcher scripts/bundle.mjs writes; it loads dist/bundle/transports/stdio.js.
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'dist', 'bundle', 'transports', 'stdio.js'))).toBe(true);
    const env = serverEnv();
    const child = spawn(process.execPath, [ENTRY], { cwd: tempDir('mcp-cwd-'), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    child.stdin.write('{"not":"json-rpc"}\n'); // the SDK's transport rejects it: logged as a warning with its error
    const logged = () => stderr.split('\n').filter((l) => l.includes('stdio transport error'));
    await expect.poll(() => logged().length, { timeout: 5_000 }).toBeGreaterThan(0);
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
    const { err } = JSON.parse(logged()[0]!) as { err: { stack: string } };
    // A frame of this project's own code, mapped back from the bundle to its TypeScript source and line.
    expect(err.stack).toMatch(/\(.*[\\/]src[\\/]transports[\\/]stdio\.ts:\d+:\d+\)/);
  });

  test('a message nested deeper than 64 levels gets a JSON-RPC error before the SDK parses it; the server keeps serving', async () => {
    const env = serverEnv();
    const child = spawn(process.execPath, [ENTRY], { cwd: tempDir('mcp-cwd-'), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const send = (line: string) => child.stdin.write(`${line}\n`);
    send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }));
    await expect.poll(() => stdout.includes('"id":1'), { timeout: 5_000 }).toBe(true);
    send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    // 5,000 levels in ~10 KB, split over two writes: the check works on whole lines.
    const call = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{"x":${deep(5000)}}}}`;
    child.stdin.write(call.slice(0, 4000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    send(call.slice(4000));
    send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99,"x":${deep(100)}}}`); // no id: no answer
    send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } }));
    await expect.poll(() => stdout.includes('"id":3'), { timeout: 5_000 }).toBe(true);
    child.stdin.end();
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(0);

    const messages = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number; message: string }; result?: { isError?: boolean } });
    expect(messages.find((m) => m.id === 2)?.error).toEqual({ code: -32600, message: 'Invalid Request: JSON nested deeper than 64 levels' });
    expect(messages.find((m) => m.id === 3)?.result?.isError).toBeFalsy();
    expect(messages.filter((m) => m.id === undefined || m.id === null)).toEqual([]);
    expect(stderr).toContain('nested deeper than 64 levels');
    // The refused call is still a call attempt: one audit line for it, one for the call that ran.
    expect(readAudit(env['AUDIT_LOG_DIR']!).map((l) => [l.tool, l.outcome, l.reason])).toEqual([
      ['whoami', 'invalid_args', 'JSON nested deeper than 64 levels'],
      ['whoami', 'ok', undefined],
    ]);
  });

  test('two servers of one project run at once, each writing its own segment; both verify', async () => {
    const env = serverEnv();
    const first = await connect(env);
    const second = await connect(env);
    try {
      await Promise.all([first, second].map((s) => s.client.callTool({ name: 'whoami', arguments: {} })));
    } finally {
      await first.client.close();
      await second.client.close();
    }
    const dir = env['AUDIT_LOG_DIR']!;
    // Both sessions' segments end cleanly (the SDK's probe processes may add start-only or empty segments).
    await expect.poll(() => readAuditRecords(dir).filter((r) => r.type === 'end').length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    const calls = readAuditRecords(dir).filter((r) => r.type === 'call');
    expect(calls).toHaveLength(2);
    const starts = readAuditRecords(dir).filter((r) => r.type === 'start');
    expect(new Set(starts.map((r) => r['pid'])).size).toBe(starts.length); // one segment per process
    const verify = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js'), dir], { env, encoding: 'utf8' });
    expect(verify.stderr).not.toMatch(/BROKEN/);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/OK: \d+ records/);
  });
});

describe('start-up configuration errors', () => {
  test('missing AUDIT_HMAC_KEY: one clear message naming it, exit non-zero, nothing on stdout', () => {
    // An empty value in the real env overrides any key in the project's .env.
    const env = serverEnv({ AUDIT_HMAC_KEY: '' });
    const result = spawnSync(process.execPath, [ENTRY], { cwd: tempDir('mcp-cwd-'), env, input: '', encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AUDIT_HMAC_KEY is required');
    expect(result.stdout).toBe('');
  });

  test('a placeholder key is refused and its value never printed', () => {
    const value = 'changeme-changeme-changeme-changeme-changeme-XYZ';
    const result = spawnSync(process.execPath, [ENTRY], { cwd: tempDir('mcp-cwd-'), env: serverEnv({ AUDIT_HMAC_KEY: value }), input: '', encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AUDIT_HMAC_KEY');
    expect(result.stdout + result.stderr).not.toContain(value);
  });

  test('relative paths resolve from the project root even when started elsewhere', async () => {
    const rel = path.join('logs', `e2e-${process.pid}-${Date.now()}`, 'audit');
    const env = serverEnv({ AUDIT_LOG_DIR: rel });
    const { client } = await connect(env);
    try {
      await client.callTool({ name: 'whoami', arguments: {} });
      await expect.poll(() => readAudit(path.join(PROJECT_ROOT, rel)).length, { timeout: 5_000 }).toBe(1);
    } finally {
      await client.close();
      fs.rmSync(path.join(PROJECT_ROOT, path.dirname(rel)), { recursive: true, force: true });
    }
  });
});
