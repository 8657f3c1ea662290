// The listening server: header and request timeouts cut slow clients off, TLS (dev certificate from
// the `cert:dev` script, trusted as a CA — never rejectUnauthorized:false; TLS < 1.2 refused), and a
// graceful shutdown that drains a running call and writes its audit line (in-process and SIGTERM).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_MODE } from '../src/http/select-authenticator.js';
import { slow } from './fixtures/tools.js';
import { PROJECT_ROOT, randomKey, readAudit, readAuditRecords, tempDir } from './helpers.js';
import { serverTestEnv } from './feature-env.js';
import { callTool, startHttpTestServer, type HttpTestServer } from './http-helpers.js';

let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Opens a socket, writes `data`, and resolves with what came back when the server closed it. */
function slowClient(port: number, data: string): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('close', () => resolve({ reply, ms: Date.now() - started }));
    socket.on('error', reject);
    setTimeout(() => (socket.destroy(), reject(new Error('not cut off'))), 8000).unref();
  });
}

describe('timeouts', () => {
  it('cuts off a client that never finishes its headers (header timeout)', async () => {
    server = await startHttpTestServer({ env: { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '5000' } });
    const { reply, ms } = await slowClient(server.port, `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `);
    expect(ms).toBeLessThan(4000);
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off a client that never finishes its body (request timeout)', async () => {
    server = await startHttpTestServer({ env: { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' } });
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"`;
    const { reply, ms } = await slowClient(server.port, head);
    expect(ms).toBeLessThan(5000);
    expect(reply).toMatch(/408/);
  });
});

describe('TLS', () => {
  it('serves HTTPS with the cert:dev certificate trusted as a CA, and refuses TLS 1.1', async () => {
    const dir = tempDir();
    const made = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'cli', 'cert-dev.js'), '--out', dir], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const certFile = path.join(dir, 'dev-cert.pem');
    expect(made.stdout).toContain(`TLS_CERT_FILE=${certFile}`);
    expect(fs.statSync(path.join(dir, 'dev-key.pem')).mode & 0o777).toBe(0o600);
    server = await startHttpTestServer({ env: { TLS_CERT_FILE: certFile, TLS_KEY_FILE: path.join(dir, 'dev-key.pem') } });
    expect(server.url).toMatch(/^https:/);
    const ca = fs.readFileSync(certFile);
    for (const host of ['localhost', '127.0.0.1']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request({ host, port: server!.port, path: '/nope', ca, servername: host === 'localhost' ? host : undefined, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status, host).toBe(404); // handshake and hostname check passed; JSON 404 from the app
    }
    const old = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: server!.port, ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, () => resolve('connected'));
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(old).not.toBe('connected');
    // Without trusting the certificate the client refuses it (the default: verification on).
    const untrusted = await new Promise<string>((resolve) => {
      const req = https.request({ host: 'localhost', port: server!.port, path: '/nope', agent: false }, () => resolve('connected'));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    expect(untrusted).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, drains a running call, writes its audit line, then closes', async () => {
    // The call outlasts the server's 2 s wait for open responses: only the drain keeps it alive.
    server = await startHttpTestServer({ env: { TOOL_TIMEOUT_MS: '3000' }, extraTools: [slow] });
    const { port } = server;
    const running = callTool(port, 'slow', { honourSignal: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = server.close();
    const answered = await running;
    expect(answered.status).toBe(200); // the call finished (timed out by TOOL_TIMEOUT_MS) and was answered
    await stopping;
    await expect(callTool(port, 'whoami')).rejects.toThrow(/ECONNREFUSED/);
    expect(server.audit().map((l) => [l.tool, l.outcome, l.reason])).toEqual([['slow', 'error', 'timeout']]);
    expect(readAuditRecords(server.config.auditLogDir).at(-1)).toMatchObject({ type: 'end', reason: 'shutdown' }); // segment closed
    server = undefined;
  });

  // OAuth needs an issuer to start; its own tests cover that entry. none and api-key start as they are.
  it.runIf(AUTH_MODE !== 'oauth')('the built entry exits 0 on SIGTERM and closes its audit segment', async () => {
    const dir = tempDir();
    const auditDir = path.join(dir, 'audit');
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'transports', 'http.js')], {
      env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', TLS_CERT_FILE: '', TLS_KEY_FILE: '', AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: auditDir, ...serverTestEnv(dir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', () => {
        const match = /"url":"([^"]+)"/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    const port = Number(new URL(url).port);
    // auth none: the local principal; api-key: no key was sent (and none exists) → 401. Either way one audit line.
    expect((await callTool(port, 'whoami')).status).toBe(AUTH_MODE === 'none' ? 200 : 401);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('shut down');
    expect(readAudit(auditDir).map((l) => l.outcome)).toEqual([AUTH_MODE === 'none' ? 'ok' : 'unauthenticated']);
    expect(readAuditRecords(auditDir).map((r) => r.type)).toEqual(['start', AUTH_MODE === 'none' ? 'call' : 'refusal', 'end']);
    expect(readAuditRecords(auditDir)[0]).toMatchObject({ type: 'start', transport: 'http', pid: child.pid });
  });
});
