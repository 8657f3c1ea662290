// The guard, end to end in-process: a real SDK v2 client → serveStdio (in-memory transport) →
// buildServer → guard → audit. Each test fails if its control is removed.
import { afterEach, describe, expect, test } from 'vitest';
import { SECRET_DETAIL, testTools } from './fixtures/tools.js';
import { startTestServer, textOf, type TestServer } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (env: Record<string, string> = {}) => (server = await startTestServer({ env, extraTools: testTools }));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('input validation', () => {
  test('arguments that break the schema are refused before the handler runs', async () => {
    const s = await start();
    const tooLong = await s.client.callTool({ name: 'echo', arguments: { text: 'x'.repeat(101) } });
    expect(tooLong.isError).toBe(true);
    expect(textOf(tooLong)).toMatch(/^Input validation error: .*text/);
    const wrongType = await s.client.callTool({ name: 'echo', arguments: { text: 'hi', count: 99 } });
    expect(wrongType.isError).toBe(true);
    const missing = await s.client.callTool({ name: 'echo', arguments: {} });
    expect(missing.isError).toBe(true);
    expect(s.audit().map((l) => l.outcome)).toEqual(['invalid_args', 'invalid_args', 'invalid_args']);
  });

  test('an unknown field is refused, not silently stripped', async () => {
    const s = await start();
    const result = await s.client.callTool({ name: 'echo', arguments: { text: 'hi', extra: 'sneaky' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Unrecognized key');
    const whoami = await s.client.callTool({ name: 'whoami', arguments: { admin: true } });
    expect(whoami.isError).toBe(true);
    // refused by the guard's own strict check (the SDK validates again behind it)
    expect(s.audit()).toMatchObject([
      { tool: 'echo', outcome: 'invalid_args', reason: 'Unrecognized key: "extra"' },
      { tool: 'whoami', outcome: 'invalid_args', reason: 'Unrecognized key: "admin"' },
    ]);
  });

  test('tools/list advertises the strict schemas', async () => {
    const s = await start();
    const { tools } = await s.client.listTools();
    const echo = tools.find((t) => t.name === 'echo');
    expect(echo?.inputSchema).toMatchObject({ additionalProperties: false, properties: { text: { maxLength: 100 } } });
  });

  test('an unknown tool gets the SDK error and is audited as invalid_args', async () => {
    const s = await start();
    await expect(s.client.callTool({ name: 'no_such_tool', arguments: { password: 'pw' } })).rejects.toThrow(/not found/);
    expect(s.audit()).toMatchObject([{ tool: 'no_such_tool', outcome: 'invalid_args', reason: 'unknown tool', args: { password: '[REDACTED]' } }]);
  });
});

describe('authorization', () => {
  test('a principal without the scope is refused, naming the scope', async () => {
    const s = await start({ LOCAL_SCOPES: '' });
    const result = await s.client.callTool({ name: 'secret_read', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('"test:read"');
    expect(textOf(result)).not.toContain('classified');
    expect(s.audit()).toMatchObject([{ tool: 'secret_read', outcome: 'denied', reason: 'missing scope test:read' }]);
  });

  test('the same call passes when the principal holds the scope', async () => {
    const s = await start({ LOCAL_SCOPES: 'test:read' });
    const result = await s.client.callTool({ name: 'secret_read', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('classified');
  });

  test('the default grant is every declared scope except *:admin', async () => {
    const s = await start();
    const who = await s.client.callTool({ name: 'whoami', arguments: {} });
    const scopes = (JSON.parse(textOf(who)) as { scopes: string[] }).scopes;
    expect(scopes).toContain('test:read');
    expect(scopes).not.toContain('test:admin');
    const admin = await s.client.callTool({ name: 'admin_tool', arguments: {} });
    expect(admin.isError).toBe(true);
    expect(textOf(admin)).toContain('"test:admin"');
  });
});

describe('error sanitising', () => {
  test('a thrown error reaches the client only as a correlation id, matching the stderr log', async () => {
    const s = await start();
    const result = await s.client.callTool({ name: 'boom', arguments: {} });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/^Internal error \(ref [0-9a-f-]{36}\)$/);
    for (const leak of ['ENOENT', '/srv', 'secret-config', 'hunter2', 'at ', '.ts', 'Error']) expect(text).not.toContain(leak);
    const id = UUID.exec(text)?.[0];
    const logLine = s
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { correlationId?: string; err?: { message?: string; stack?: string } })
      .find((l) => l.correlationId === id);
    expect(logLine?.err?.message).toBe(SECRET_DETAIL);
    expect(logLine?.err?.stack).toContain('tools.ts');
    expect(s.audit()).toMatchObject([{ correlationId: id, outcome: 'error', reason: 'exception' }]);
  });

  test('a ToolError message is shown as written', async () => {
    const s = await start();
    const result = await s.client.callTool({ name: 'refuse', arguments: {} });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'That file is not in the sandbox.' }] });
    expect(s.audit()).toMatchObject([{ outcome: 'error', reason: 'tool error' }]);
  });
});

describe('rate limits', () => {
  test('per principal: the call over the budget is refused with the retry time', async () => {
    const s = await start({ RATE_LIMIT_POINTS: '3', RATE_LIMIT_WINDOW_SECONDS: '30' });
    for (let i = 0; i < 3; i++) expect((await s.client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    const refused = await s.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(refused.isError).toBe(true);
    const seconds = Number(/retry in (\d+) seconds/.exec(textOf(refused))?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(30);
    expect(s.audit().map((l) => l.outcome)).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
  });

  test('per (principal, tool): one tool over its budget does not block the others', async () => {
    const s = await start({ RATE_LIMIT_POINTS: '50' });
    expect((await s.client.callTool({ name: 'limited', arguments: {} })).isError).toBeFalsy();
    const refused = await s.client.callTool({ name: 'limited', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/Rate limit exceeded for tool "limited"; retry in \d+ seconds/);
    expect((await s.client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    expect(s.audit().map((l) => l.outcome)).toEqual(['ok', 'rate_limited', 'ok']);
  });

  test('unknown tool names count against the principal budget', async () => {
    const s = await start({ RATE_LIMIT_POINTS: '2' });
    await expect(s.client.callTool({ name: 'nope1', arguments: {} })).rejects.toThrow();
    await expect(s.client.callTool({ name: 'nope2', arguments: {} })).rejects.toThrow();
    const refused = await s.client.callTool({ name: 'whoami', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('Rate limit exceeded');
  });
});

describe('output cap', () => {
  test('output beyond MAX_TOOL_OUTPUT_BYTES is cut with a visible marker', async () => {
    const s = await start({ MAX_TOOL_OUTPUT_BYTES: '2048' });
    const result = await s.client.callTool({ name: 'big', arguments: { bytes: 100_000 } });
    expect(result.isError).toBeFalsy();
    const blocks = result.content as { type: string; text: string }[];
    const total = blocks.reduce((n, b) => n + Buffer.byteLength(b.text), 0);
    expect(total).toBeLessThanOrEqual(2048);
    expect(blocks.at(-1)?.text).toMatch(/^\[output truncated by the server: \d+ of \d+ bytes omitted \(MAX_TOOL_OUTPUT_BYTES=2048\)\]$/);
    expect(blocks[0]?.text).not.toContain('\uFFFD'); // cut on a character boundary
    expect(s.audit()).toMatchObject([{ outcome: 'ok', reason: expect.stringMatching(/^output truncated/) }]);
  });

  test('output under the cap is untouched', async () => {
    const s = await start({ MAX_TOOL_OUTPUT_BYTES: '2048' });
    const result = await s.client.callTool({ name: 'big', arguments: { bytes: 100 } });
    expect(result.content).toHaveLength(2);
    expect(textOf(result)).not.toContain('truncated');
  });
});

describe('timeout', () => {
  test.each([true, false])('a handler running past TOOL_TIMEOUT_MS is answered with an error (honours signal: %s)', async (honourSignal) => {
    const s = await start({ TOOL_TIMEOUT_MS: '100' });
    const started = Date.now();
    const result = await s.client.callTool({ name: 'slow', arguments: { honourSignal } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Tool "slow" timed out after 100 ms.');
    expect(s.audit()).toMatchObject([{ outcome: 'error', reason: 'timeout' }]);
  });
});

describe('audit: one line per call, whatever answered it', () => {
  test('ok, error, invalid_args, denied, rate_limited each write exactly one line', async () => {
    const s = await start({ LOCAL_SCOPES: '', RATE_LIMIT_POINTS: '6' });
    await s.client.callTool({ name: 'whoami', arguments: {} });
    await s.client.callTool({ name: 'boom', arguments: {} });
    await s.client.callTool({ name: 'echo', arguments: { text: 'hi', nope: 1 } });
    await s.client.callTool({ name: 'secret_read', arguments: {} });
    await expect(s.client.callTool({ name: 'missing_tool', arguments: {} })).rejects.toThrow();
    await s.client.callTool({ name: 'echo', arguments: { text: 'hi', token: 'sk-live-abcdef' } });
    await s.client.callTool({ name: 'whoami', arguments: {} });
    const lines = s.audit();
    // seq 1 is the segment's start record
    expect(lines.map((l) => [l.seq, l.tool, l.outcome])).toEqual([
      [2, 'whoami', 'ok'],
      [3, 'boom', 'error'],
      [4, 'echo', 'invalid_args'],
      [5, 'secret_read', 'denied'],
      [6, 'missing_tool', 'invalid_args'],
      [7, 'echo', 'ok'],
      [8, 'whoami', 'rate_limited'],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ principal: 'local', correlationId: expect.stringMatching(UUID), mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(line.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(lines[5]?.args).toEqual({ text: 'hi', token: '[REDACTED]' });
    const raw = (await import('node:fs')).readFileSync(s.auditFile, 'utf8');
    expect(raw).not.toContain('sk-live-abcdef');
  });

  test('shutdown waits for a running call, which is aborted and still audited', async () => {
    const s = await start({ TOOL_TIMEOUT_MS: '10000' });
    const pending = s.client.callTool({ name: 'slow', arguments: { honourSignal: true } }).catch((error: unknown) => error);
    await expect.poll(() => s.runtime.inflight.size).toBe(1);
    server = undefined;
    await s.close(); // closes the transport (aborting the call), drains, closes the log
    expect(s.runtime.inflight.size).toBe(0);
    expect(s.audit()).toMatchObject([{ tool: 'slow', outcome: 'error', reason: 'cancelled' }]);
    void pending;
  });

  test('the line is on disk before the client sees the response', async () => {
    const s = await start();
    await s.client.callTool({ name: 'whoami', arguments: {} });
    expect(s.audit()).toHaveLength(1); // read synchronously right after the response arrived
  });
});
