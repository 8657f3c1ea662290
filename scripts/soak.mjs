#!/usr/bin/env node
// Soak: does the generated HTTP server keep its promises under steady concurrent load? Starts the
// project's own dist/transports/http.js on loopback with its limits raised (RATE_LIMIT_POINTS,
// HTTP_MAX_CONCURRENT_CALLS, HTTP_MAX_CONNECTIONS: the run measures work, not refusals), runs
// `--clients` concurrent clients for `--seconds`, each sending real JSON-RPC tools/call requests over
// fetch with an API key made by the project's `keys` script, then stops the server with SIGTERM (as
// an operator would) and reads its audit log. Guards against:
//   - lost audit lines: every call the server answered must have exactly one `call` line. Each call
//     carries a unique argument (search_notes' `query`, which the log keeps: not a sensitive key name),
//     so lines are matched to calls one by one; a project without the notes tools calls `whoami` (no
//     arguments) and lines are matched by count only;
//   - doubled lines: no unique argument may appear on two lines, and no line may name a call never sent;
//   - a broken chain or an unclean end: the project's `npm run audit:verify` must pass and report the
//     segment as closed;
//   - leaks: prints RSS, V8 heap and open file descriptors of the server before the load, at their peak
//     during it, and after it (figures, not assertions; heap via a SIGUSR2 hook preloaded with --import).
// Exit 1 on a lost or doubled line, a call that got no answer, a tool error, a verify failure or a
// server that does not stop cleanly. Linux only (/proc).
//
//   node scripts/soak.mjs <generated http project dir> [--seconds 120] [--clients 20] [--json]
//
// The project must be installed and built. SQLite projects get a database file in a temp folder;
// PostgreSQL ones a database created through TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end; Redis ones use REDIS_URL
// (default redis://127.0.0.1:6379) with a fresh key prefix.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { matchAuditLines } from './soak-audit-match.mjs';
import { createApiKey, createTempDatabase, importFromProject } from './bench-project-support.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS, peak RSS (kB) and open descriptors of a process, from /proc. */
function procFigures(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM'), fds: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/**
 * One JSON-RPC tools/call over node:http through `agent` (keep-alive, one socket per client; the agent
 * is destroyed after the load so the "after" figures are not held up by idle client sockets).
 * Resolves to { ok, status, detail }.
 */
function callTool(url, agent, headers, id, name, args) {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('error', (error) => resolve({ ok: false, status: res.statusCode, detail: error.code ?? error.message }));
      res.on('end', () => resolve(judge(res.statusCode, res.headers['content-type'] ?? '', text)));
    });
    req.on('error', (error) => resolve({ ok: false, status: 0, detail: error.code ?? error.message }));
    req.end(body);
  });
}

function judge(status, contentType, text) {
  if (status !== 200) return { ok: false, status, detail: text.slice(0, 200) };
  // JSON, or one SSE event whose data line is the JSON-RPC response.
  const json = contentType.includes('text/event-stream') ? text.split('\n').find((line) => line.startsWith('data:'))?.slice(5) : text;
  let message;
  try {
    message = JSON.parse(json ?? '');
  } catch {
    return { ok: false, status, detail: `unparsable body: ${text.slice(0, 200)}` };
  }
  if (message.error) return { ok: false, status, detail: `JSON-RPC error ${JSON.stringify(message.error).slice(0, 200)}` };
  if (message.result?.isError) return { ok: false, status, detail: `tool error ${JSON.stringify(message.result.content).slice(0, 200)}` };
  return { ok: true, status };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: 'string', default: '120' },
      clients: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
  });
  const out = values.json ? process.stderr : process.stdout; // under --json stdout carries only the JSON
  const say = (line = '') => out.write(`${line}\n`);
  const projectDir = positionals[0] && path.resolve(positionals[0]);
  if (!projectDir) {
    process.stderr.write('usage: node scripts/soak.mjs <generated http project dir> [--seconds 120] [--clients 20] [--json]\n');
    return 1;
  }
  const seconds = Math.min(Math.max(Number(values.seconds) || 120, 1), 3600);
  const clients = Math.min(Math.max(Math.trunc(Number(values.clients)) || 20, 1), 200);
  const entry = path.join(projectDir, 'dist', 'transports', 'http.js');
  if (!fs.existsSync(entry) || process.platform !== 'linux') {
    process.stderr.write(`${entry} not found (an installed, built HTTP project is needed), or not Linux (/proc)\n`);
    return 1;
  }
  const { spec } = JSON.parse(fs.readFileSync(path.join(projectDir, 'secure-mcp.json'), 'utf8'));
  if (spec.auth === 'oauth') {
    process.stderr.write('OAuth projects need an authorization server: soak an api-key or auth none project\n');
    return 1;
  }
  const unique = spec.tools.includes('notes');
  const tool = unique ? 'search_notes' : 'whoami';

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  const auditDir = path.join(work, 'audit');
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
    AUDIT_LOG_DIR: auditDir,
    API_KEYS_FILE: path.join(work, 'api-keys.json'),
    FILES_ROOT: path.join(work, 'sandbox'),
    SQLITE_PATH: path.join(work, 'data', 'app.db'),
    LOCAL_SCOPES: 'notes:read',
    RATE_LIMIT_POINTS: '1000000',
    RATE_LIMIT_WINDOW_SECONDS: '3600',
    HTTP_MAX_CONCURRENT_CALLS: String(Math.max(64, clients * 2)),
    HTTP_MAX_CONNECTIONS: String(Math.max(1024, clients * 4)),
    LOG_LEVEL: 'info', // the start line carries the URL; calls log nothing at info
    ...(spec.rateLimitStore === 'redis' ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `soak-${randomBytes(4).toString('hex')}:rl` } : {}),
  };
  fs.mkdirSync(env.FILES_ROOT);
  // Prints process.memoryUsage() on SIGUSR2 (unused by Node and by the server): the V8 heap from outside.
  const preload = path.join(work, 'soak-memory-hook.mjs');
  fs.writeFileSync(preload, "process.on('SIGUSR2', () => process.stderr.write(`SOAK-MEMORY ${JSON.stringify(process.memoryUsage())}\\n`));\n");

  let dropDatabase = async () => {};
  let server;
  const failures = [];
  try {
    if (spec.storage === 'postgres') {
      const database = await createTempDatabase(projectDir, 'soak');
      dropDatabase = database.drop;
      env.DATABASE_URL = database.url;
    }

    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const key = createApiKey(projectDir, env, { name: 'soak', scopes: unique ? 'notes:read' : '' });
    if (key !== undefined) headers.authorization = `Bearer ${key}`;

    server = spawn(process.execPath, ['--import', pathToFileURL(preload).href, entry], { cwd: projectDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let serverErr = '';
    const memoryReplies = [];
    server.stderr.setEncoding('utf8').on('data', (chunk) => {
      serverErr = (serverErr + chunk).slice(-20_000);
      for (const m of chunk.matchAll(/SOAK-MEMORY (\{[^\n]*\})/g)) memoryReplies.push(JSON.parse(m[1]));
    });
    const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    const url = await Promise.race([
      (async () => {
        for (let i = 0; i < 600; i++) {
          const found = /"url":"([^"]+)"/.exec(serverErr)?.[1];
          if (found) return found;
          await sleep(50);
        }
        throw new Error(`the HTTP server did not print its URL in 30 s:\n${serverErr}`);
      })(),
      exited.then(({ code }) => {
        throw new Error(`the HTTP server exited ${code} at start:\n${serverErr}`);
      }),
    ]);
    const pid = server.pid;
    process.stderr.write(`  server up (pid ${pid}) at ${url}\n`);
    const memory = async () => {
      const before = memoryReplies.length;
      process.kill(pid, 'SIGUSR2'); // our own child, by its pid
      for (let i = 0; i < 100 && memoryReplies.length === before; i++) await sleep(20);
      return memoryReplies.length > before ? memoryReplies.at(-1) : undefined;
    };
    const snapshot = async () => ({ ...procFigures(pid), heapUsed: (await memory())?.heapUsed });

    // One call first (it opens the database and loads the tool), then the figures before the load.
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const first = await callTool(url, agent, headers, 0, tool, unique ? { query: 'soak warm-up', limit: 1 } : {});
    if (!first.ok) throw new Error(`the first call failed: ${first.status} ${first.detail}`);
    const sent = new Map([['soak warm-up', 'ok']]); // unique argument → 'ok' | error text
    const warmupCalls = 1;
    const before = await snapshot();
    say(`soak: ${clients} clients × ${seconds} s of ${tool} against ${path.basename(projectDir)} (${spec.storage}, rate limits ${spec.rateLimitStore}, auth ${spec.auth}), Node ${process.version}, ${os.cpus().length} CPUs`);

    let peak = { ...before };
    delete peak.peakRssKb; // peak.rssKb is the high-water mark
    const sampler = setInterval(() => {
      const now = procFigures(pid);
      if (now) peak = { ...peak, rssKb: Math.max(peak.rssKb, now.rssKb), fds: Math.max(peak.fds, now.fds) };
    }, 250);
    const heapSampler = setInterval(() => {
      void memory().then((m) => {
        if (m) peak.heapUsed = Math.max(peak.heapUsed ?? 0, m.heapUsed);
      });
    }, 5_000);
    const deadline = Date.now() + seconds * 1000;
    let answered = 0;
    let failed = 0;
    let nextId = 1;
    const started = Date.now();
    let lastReport = started;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let n = 0; Date.now() < deadline; n++) {
          const query = `soak c${c} n${n}`;
          const id = nextId++;
          const result = await callTool(url, agent, headers, id, tool, unique ? { query, limit: 1 } : {});
          if (unique) sent.set(query, result.ok ? 'ok' : result.detail);
          if (result.ok) answered++;
          else {
            failed++;
            if (failed <= 5) failures.push(`call ${query}: ${result.status} ${result.detail}`);
          }
          if (c === 0 && Date.now() - lastReport >= 10_000) {
            lastReport = Date.now();
            const now = procFigures(pid);
            process.stderr.write(`  ${Math.round((lastReport - started) / 1000)} s: ${answered} answered, ${failed} failed, RSS ${Math.round((now?.rssKb ?? 0) / 1024)} MiB, ${now?.fds} fds\n`);
          }
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(heapSampler);
    agent.destroy(); // the clients hang up: what stays open after this is the server's own
    await sleep(2_000);
    const after = await snapshot();
    // The peak covers the last samples too: heap is sampled every 5 s, so the after figure can top it.
    peak = { ...peak, rssKb: Math.max(peak.rssKb, after.peakRssKb ?? 0, after.rssKb ?? 0), fds: Math.max(peak.fds, after.fds ?? 0), heapUsed: Math.max(peak.heapUsed ?? 0, after.heapUsed ?? 0) };

    // Stop as an operator would; the server drains, closes the audit segment (end record) and exits 0.
    server.kill('SIGTERM');
    let stopTimer;
    const stop = await Promise.race([exited, new Promise((resolve) => (stopTimer = setTimeout(resolve, 30_000)))]);
    clearTimeout(stopTimer);
    if (!stop) {
      server.kill('SIGKILL');
      failures.push('the server did not exit within 30 s of SIGTERM');
    } else if (stop.code !== 0) failures.push(`the server exited with ${stop.code ?? stop.signal} after SIGTERM`);
    server = undefined;
    process.stderr.write('  server stopped; reading the audit log and running audit:verify …\n');

    // Audit lines: one per call, matched by the unique query (or by count).
    const lines = [];
    for (const file of fs.existsSync(auditDir) ? fs.readdirSync(auditDir).filter((f) => f.endsWith('.jsonl')) : []) {
      for (const line of fs.readFileSync(path.join(auditDir, file), 'utf8').split('\n')) {
        if (!line) continue;
        const record = JSON.parse(line);
        if (record.type === 'call' && record.tool === tool) lines.push(record);
      }
    }
    const totalCalls = answered + failed + warmupCalls;
    const { lost, doubled, unknown } = matchAuditLines(lines, unique ? sent : undefined, { answered: answered + warmupCalls, sent: totalCalls });
    const outcomes = {};
    for (const record of lines) outcomes[record.outcome] = (outcomes[record.outcome] ?? 0) + 1;

    const verify = spawnSync('npm', ['run', '--silent', 'audit:verify'], { cwd: projectDir, env, encoding: 'utf8' });
    const verified = verify.status === 0 && !/ended uncleanly|open \(writer running\)/.test(verify.stdout);
    if (!verified) failures.push(`npm run audit:verify: exit ${verify.status}\n${verify.stdout}${verify.stderr}`.trim());
    if (lost > 0) failures.push(`${lost} answered calls have no audit line`);
    if (doubled > 0) failures.push(`${doubled} audit lines are doubles`);
    if (unknown > 0) failures.push(`${unknown} audit lines name a call that was never sent`);
    if (failed > 0) failures.push(`${failed} calls got no successful answer`);

    const mib = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MiB` : 'n/a');
    const heap = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
    say(`calls: ${totalCalls} sent (${(totalCalls / elapsed).toFixed(0)}/s over ${elapsed.toFixed(1)} s), ${answered + warmupCalls} answered, ${failed} failed`);
    say(`audit: ${lines.length} call lines for ${tool} (${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}), matched ${unique ? 'one by one by their unique query' : 'by count'}: lost ${lost}, doubled ${doubled}, unknown ${unknown}`);
    say(`audit:verify: ${verified ? 'OK' : 'FAILED'} — ${verify.stdout.trim().split('\n').at(-1) ?? ''}`);
    say(`server            RSS          heap used    open fds`);
    say(`  before load     ${mib(before.rssKb).padEnd(12)} ${heap(before.heapUsed).padEnd(12)} ${before.fds}`);
    say(`  peak            ${mib(peak.rssKb).padEnd(12)} ${heap(peak.heapUsed).padEnd(12)} ${peak.fds}`);
    say(`  after load      ${mib(after.rssKb).padEnd(12)} ${heap(after.heapUsed).padEnd(12)} ${after.fds}`);
    for (const failure of failures) process.stderr.write(`FAILED: ${failure}\n`);
    say(failures.length === 0 ? 'soak: OK' : 'soak: FAILED');
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ project: path.basename(projectDir), storage: spec.storage, store: spec.rateLimitStore, tool, clients, seconds: elapsed, calls: totalCalls, answered: answered + warmupCalls, failed, callsPerSecond: totalCalls / elapsed, auditLines: lines.length, lost, doubled, unknown, verified, before, peak, after, node: process.version, ok: failures.length === 0, failures }, null, 2)}\n`,
      );
    }
    return failures.length === 0 ? 0 : 1;
  } finally {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await dropDatabase().catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((error) => {
  process.stderr.write(`soak: ${error.stack ?? error.message}\n`);
  return 1;
});
