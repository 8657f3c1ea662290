#!/usr/bin/env node
// Benchmark: what the generated HTTP server's controls cost. Serves the same tool (`whoami`, no
// arguments) from
//   (a) a bare SDK v2 server — createMcpHandler + toNodeHandler + node:http, no auth, limits or audit;
//   (b) the generated server — its own dist/transports/http.js with auth (an API key made with its
//       `keys` script when it has one), rate limits raised so they measure work not 429s, validation,
//       the guard and the HMAC-chained audit log on;
// and loads both in one run with autocannon, same JSON-RPC tools/call request, loopback only, bounded
// time. Every response must be 2xx (else exit 1). Prints requests/s, p50 and p99 latency for each and
// the ratio b/a per round and its median over alternating rounds (floor 0.9, goal 1.25). Figures,
// never a timed assertion.
//
//   node scripts/bench-http.mjs <generated-project-dir> [--duration 10] [--warmup 3] [--connections 10] [--runs 5] [--json]
//
// --json prints the same lines on stderr and one JSON object with every figure on stdout (bench-all reads it).
//
// The project must be built (`npm run build`) and installed. Its database is a fresh one (a SQLite file in
// a temp folder, or a PostgreSQL database created and dropped here). Both servers use the project's own
// installed SDK (server package), so they run the same SDK version; (a)'s toNodeHandler comes from this
// repository's devDependencies. Each server runs in its own process. Besides requests/s (which the
// load generator, sharing this machine's cores, also limits) it prints each server's CPU time per
// request from /proc: the steadier measure of what the controls cost.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createApiKey, createTempDatabase, importFromProject } from './bench-project-support.mjs';

const TOOL = 'whoami';
const REQUEST_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: TOOL, arguments: {} } });
const BASE_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25', // a stateless 2025-era request: no session, no initialize
};

// ---------------------------------------------------------------- (a) bare server, child process
async function serveBare(projectDir, port) {
  const { McpServer, createMcpHandler } = await importFromProject(projectDir, '@modelcontextprotocol/server');
  // The SDK's documented node:http adapter. Generated projects no longer install it (they hand the
  // parsed body to the SDK themselves: src/http/mcp-endpoint.ts), so it comes from this repository's
  // devDependencies; it only calls the handler's fetch face, which is the project's own SDK.
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  const { z } = await importFromProject(projectDir, 'zod/v4');
  const buildServer = () => {
    const server = new McpServer({ name: 'bare', version: '0.0.0' });
    server.registerTool(
      TOOL,
      { title: 'Who am I', description: 'Returns the principal.', inputSchema: z.object({}).strict() },
      async () => {
        const identity = { principal: 'bench', kind: 'local', scopes: [] };
        return { content: [{ type: 'text', text: JSON.stringify(identity) }], structuredContent: identity };
      },
    );
    return server;
  };
  const serve = toNodeHandler(createMcpHandler(buildServer, { legacy: 'stateless' }));
  const server = http.createServer((req, res) => {
    if (req.url !== '/mcp' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------- helpers
async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a server and keeps its last output lines for error messages. */
function startProcess(label, args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => (tail = (tail + chunk).slice(-4000));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  return { label, child, output: () => tail };
}

/** Waits until a POST of the benchmark request answers 2xx (or fails with the server's output). */
async function waitReady(proc, port, headers) {
  const deadline = Date.now() + 60_000; // a loaded machine starts slowly
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) break;
    const status = await new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', (e) => resolve(e.code));
      req.end(REQUEST_BODY);
    });
    if (typeof status === 'number' && status >= 200 && status < 300) return;
    last = String(status);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.label} did not answer the benchmark request with 2xx (last: ${last}).\n--- its output ---\n${proc.output()}`);
}

/** Status and the start of the body of one benchmark request (for failure reports). */
function probe(port, headers) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve(`${res.statusCode} ${body.slice(0, 300)}`));
    });
    req.on('error', (e) => resolve(e.code ?? e.message));
    req.end(REQUEST_BODY);
  });
}

async function stopProcess(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM'); // our own child, by its handle
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** One load run; adds the server's CPU time per answered request (µs), which the load generator sharing the machine does not skew. */
async function load(autocannon, port, headers, seconds, connections, pid) {
  const before = pid === undefined ? undefined : cpuMs(pid);
  const result = await loadOnly(autocannon, port, headers, seconds, connections);
  const after = pid === undefined ? undefined : cpuMs(pid);
  result.cpuUsPerRequest = before === undefined || after === undefined || result.requests.total === 0 ? undefined : ((after - before) * 1000) / result.requests.total;
  return result;
}

async function loadOnly(autocannon, port, headers, seconds, connections) {
  return autocannon({
    url: `http://127.0.0.1:${port}/mcp`,
    method: 'POST',
    headers,
    body: REQUEST_BODY,
    connections,
    duration: seconds,
    pipelining: 1,
    // A new connection every 500 requests, for both servers: the generated server caps requests per
    // socket (Node's maxRequestsPerSocket answers 503 past the cap, and autocannon ignores the
    // `Connection: close` that precedes it). Real clients honour that header.
    reconnectRate: 500,
  });
}

// ---------------------------------------------------------------- main
async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
      runs: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  });
  const out = values.json ? process.stderr : process.stdout; // under --json stdout carries only the JSON
  const projectDir = positionals[0] && path.resolve(positionals[0]);
  if (!projectDir) {
    process.stderr.write('usage: node scripts/bench-http.mjs <generated-project-dir> [--duration 10] [--warmup 3] [--connections 10] [--runs 5] [--json]\n');
    return 1;
  }
  const duration = Math.min(Math.max(Number(values.duration), 1), 60); // bounded
  const warmup = Math.min(Math.max(Number(values.warmup), 0), 30);
  const connections = Math.min(Math.max(Number(values.connections), 1), 256);
  const runs = Math.min(Math.max(Math.trunc(Number(values.runs)), 1), 21);
  const entry = path.join(projectDir, 'dist', 'transports', 'http.js');
  if (!fs.existsSync(entry)) {
    process.stderr.write(`${entry} not found: this needs a generated HTTP project, installed and built (npm install && npm run build)\n`);
    return 1;
  }
  // autocannon is a devDependency of the generator; loaded only here.
  const { default: autocannon } = await import('autocannon');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-http-'));
  const pkg = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8'));
  const usesRedis = Boolean(pkg.dependencies?.ioredis);
  fs.mkdirSync(path.join(work, 'sandbox'));
  // (b)'s settings: real controls on, budgets raised so the run measures work, not refusals.
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
    AUDIT_LOG_DIR: path.join(work, 'audit'),
    API_KEYS_FILE: path.join(work, 'api-keys.json'),
    FILES_ROOT: path.join(work, 'sandbox'),
    RATE_LIMIT_POINTS: '1000000',
    RATE_LIMIT_WINDOW_SECONDS: '3600',
    HTTP_MAX_CONCURRENT_CALLS: String(Math.max(64, connections * 2)),
    HTTP_MAX_CONNECTIONS: String(Math.max(1024, connections * 4)),
    LOG_LEVEL: 'warn',
    ...(usesRedis
      ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:rl` }
      : {}),
  };

  const procs = [];
  let dropDatabase = async () => {};
  try {
    // A PostgreSQL project gets a database of its own (created through TEST_DATABASE_URL, default
    // postgres://postgres@127.0.0.1:5432/postgres, dropped at the end); a SQLite one a file in the temp folder.
    if (pkg.dependencies?.pg) {
      const database = await createTempDatabase(projectDir, 'bench_http');
      dropDatabase = database.drop;
      env.DATABASE_URL = database.url;
    } else env.SQLITE_PATH = path.join(work, 'data', 'app.db');
    const key = createApiKey(projectDir, env, { name: `bench-${randomBytes(3).toString('hex')}`, scopes: '' });
    const headersB = key ? { ...BASE_HEADERS, authorization: `Bearer ${key}` } : BASE_HEADERS;
    const portA = await freePort();
    const portB = await freePort();
    const bare = startProcess('(a) bare SDK server', [fileURLToPath(import.meta.url), '--serve-bare', projectDir, String(portA)], { PATH: env.PATH });
    const generated = startProcess('(b) generated server', [entry], { ...env, PORT: String(portB) });
    procs.push(bare, generated);
    await waitReady(bare, portA, BASE_HEADERS);
    await waitReady(generated, portB, headersB);

    const servers = [
      { name: '(a) bare SDK v2', port: portA, headers: BASE_HEADERS, pid: bare.child.pid },
      { name: `(b) generated (${key ? 'api-key' : 'no key'}${usesRedis ? ', redis' : ''}, limits, validation, audit)`, port: portB, headers: headersB, pid: generated.child.pid },
    ];
    for (const server of servers) if (warmup > 0) await load(autocannon, server.port, server.headers, warmup, connections);
    // Alternating rounds (a b, b a, a b, …) so drift on a shared machine hits both sides alike.
    const rounds = [];
    for (let round = 0; round < runs; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const pair = [];
      for (const index of order) pair[index] = await load(autocannon, servers[index].port, servers[index].headers, duration, connections, servers[index].pid);
      rounds.push(pair);
    }

    out.write(`\nbench-http: ${TOOL} via tools/call, ${connections} connections, ${warmup}s warm-up + ${runs} alternating rounds of ${duration}s each, Node ${process.version}, ${os.cpus().length} CPUs\n`);
    let failed = false;
    for (const [round, pair] of rounds.entries()) {
      for (const [index, r] of pair.entries()) {
        const bad = r.non2xx + r.errors + r.timeouts;
        if (bad > 0) {
          failed = true;
          process.stderr.write(`${servers[index].name}: status codes ${JSON.stringify(r.statusCodeStats)}\n`);
        }
        out.write(
          `round ${round + 1} ${servers[index].name.padEnd(70)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   ` +
            `${r.cpuUsPerRequest === undefined ? '' : `${r.cpuUsPerRequest.toFixed(0)} µs CPU/req   `}(${r.requests.total} requests, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})\n`,
        );
      }
    }
    const ratios = rounds.map(([a, b]) => b.requests.average / a.requests.average);
    const median = (values) => {
      const sorted = [...values].sort((x, y) => x - y);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const cpuRatios = rounds.every(([a, b]) => a.cpuUsPerRequest && b.cpuUsPerRequest) ? rounds.map(([a, b]) => a.cpuUsPerRequest / b.cpuUsPerRequest) : undefined;
    out.write(`ratio b/a (throughput) per round: ${ratios.map((x) => x.toFixed(3)).join(' ')}\n`);
    out.write(
      `median ratio b/a: ${median(ratios).toFixed(3)}   (floor 0.9, goal 1.25)   median req/s: a ${median(rounds.map(([a]) => a.requests.average)).toFixed(0)}, b ${median(rounds.map(([, b]) => b.requests.average)).toFixed(0)}\n`,
    );
    if (cpuRatios) {
      out.write(
        `median server CPU per request: a ${median(rounds.map(([a]) => a.cpuUsPerRequest)).toFixed(0)} µs, b ${median(rounds.map(([, b]) => b.cpuUsPerRequest)).toFixed(0)} µs; ` +
          `median efficiency a/b (requests per CPU second, b relative to a): ${median(cpuRatios).toFixed(3)}\n`,
      );
    }
    // The audit log is a directory of segments (one per process): count the lines of all of them.
    const auditLines = fs.existsSync(env.AUDIT_LOG_DIR)
      ? fs.readdirSync(env.AUDIT_LOG_DIR).reduce((n, f) => n + fs.readFileSync(path.join(env.AUDIT_LOG_DIR, f), 'utf8').split('\n').length - 1, 0)
      : 0;
    out.write(`audit lines written by (b): ${auditLines}\n`);
    if (values.json) {
      const figures = (r) => ({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerRequest: r.cpuUsPerRequest ?? null, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts });
      const side = (i) => ({
        name: servers[i].name,
        rps: median(rounds.map((pair) => pair[i].requests.average)),
        p50: median(rounds.map((pair) => pair[i].latency.p50)),
        p99: median(rounds.map((pair) => pair[i].latency.p99)),
        cpuUsPerRequest: cpuRatios ? median(rounds.map((pair) => pair[i].cpuUsPerRequest)) : null,
      });
      const result = {
        tool: TOOL,
        node: process.version,
        cpus: os.cpus().length,
        connections,
        duration,
        warmup,
        runs,
        auth: key ? 'api-key' : 'none',
        store: usesRedis ? 'redis' : 'memory',
        bare: side(0),
        generated: side(1),
        ratio: median(ratios),
        efficiency: cpuRatios ? median(cpuRatios) : null,
        rounds: rounds.map(([a, b]) => ({ bare: figures(a), generated: figures(b) })),
        auditLines,
        ok: !failed,
      };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    }
    if (failed) {
      for (const { name, port, headers } of servers) process.stderr.write(`${name}: one more request now: ${await probe(port, headers)}\n`);
      process.stderr.write('FAILED: some responses were not 2xx (or errored): the figures are not valid.\n');
      return 1;
    }
    return 0;
  } finally {
    for (const proc of procs) await stopProcess(proc);
    await dropDatabase().catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve-bare') {
  await serveBare(process.argv[3], Number(process.argv[4]));
} else {
  process.exitCode = await main().catch((error) => {
    process.stderr.write(`bench-http: ${error.message}\n`);
    return 1;
  });
}
