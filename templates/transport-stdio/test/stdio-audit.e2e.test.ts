// The audit log over stdio, end to end on the BUILT server: a tools/call with a malformed JSON-RPC
// envelope (which the SDK would drop without an answer or an audit line) gets a JSON-RPC Invalid
// Request answer and exactly one audit line; the segment ends with its end record and verifies.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT, randomKey, readAudit, readAuditRecords, tempDir } from './helpers.js';
import { serverTestEnv } from './feature-env.js';

const ENTRY = path.join(PROJECT_ROOT, 'dist', 'transports', 'stdio.js');

describe('stdio: one audit line per tools/call attempt', () => {
  test('malformed envelopes (params a string, jsonrpc 1.0, an object id) are answered and audited once each', async () => {
    const dir = tempDir('mcp-e2e-');
    const env = { PATH: process.env['PATH'] ?? '', AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: path.join(dir, 'audit'), ...serverTestEnv(dir) };
    const child = spawn(process.execPath, [ENTRY], { cwd: tempDir('mcp-cwd-'), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    await expect.poll(() => stdout.includes('"id":1'), { timeout: 5_000 }).toBe(true);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: 'x' });
    send({ jsonrpc: '1.0', id: 4, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    send({ jsonrpc: '2.0', id: { a: 1 }, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    await expect.poll(() => stdout.includes('"id":6'), { timeout: 5_000 }).toBe(true);
    child.stdin.end();
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(0);

    const answers = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number; message: string } });
    expect(answers.filter((a) => a.error).map((a) => [a.id, a.error?.code])).toEqual([
      [3, -32600],
      [4, -32600],
      [null, -32600],
    ]);
    expect(readAudit(env.AUDIT_LOG_DIR).map((l) => [l.outcome, l.reason])).toEqual([
      ['invalid_args', 'malformed request: params is not an object'],
      ['invalid_args', 'malformed request: jsonrpc is not "2.0"'],
      ['invalid_args', 'malformed request: id is not a string or an integer'],
      ['ok', undefined],
    ]);
    expect(readAuditRecords(env.AUDIT_LOG_DIR).map((r) => r.type)).toEqual(['start', 'call', 'call', 'call', 'call', 'end']);
    const verify = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js'), env.AUDIT_LOG_DIR], { env, encoding: 'utf8' });
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain('OK: 6 records in 1 segment verified');
  });
});
