#!/usr/bin/env node
// Benchmark: what the notes tools cost on top of the data module. For a generated project with the
// notes tools, measures add_note and search_notes
//   (floor) as direct calls of the project's own data module (dist/storage/notes-repository.js) on an
//           opened storage — no MCP, no guard, no audit;
//   (stdio) through a real SDK v2 client over stdio (the project's dist/transports/stdio.js), when the
//           project has stdio;
//   (http)  through a real SDK v2 client over Streamable HTTP (dist/transports/http.js) with an API key
//           made by the project's `keys` script, or with auth none; OAuth projects are skipped (they need
//           an authorization server);
// and prints calls/s for each and its ratio to the floor. Sequential calls (one at a time), so the
// figures are per-call cost, not concurrency. Figures only, never a timed assertion.
//
//   node scripts/bench-notes.mjs <generated-project-dir> [--calls 300] [--json]
//
// --json prints the same lines on stderr and one JSON object with every figure on stdout (bench-all reads it).
//
// The project must be installed and built. Its database is a fresh one: a file in a temp folder
// (SQLite), or a database created through TEST_DATABASE_URL (PostgreSQL; default
// postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createApiKey, createTempDatabase, importFromProject } from './bench-project-support.mjs';

const dist = (projectDir, file) => import(pathToFileURL(path.join(projectDir, 'dist', file)).href);

/** Runs `call` `n` times one after another; calls per second. */
async function rate(n, call) {
  for (let i = 0; i < Math.min(20, n); i++) await call(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call(i);
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

function refused(result, what) {
  if (result?.isError) throw new Error(`${what} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
  return result;
}

/** add_note and search_notes through an SDK client (already connected). */
async function throughClient(client, calls) {
  const add = await rate(calls, (i) => client.callTool({ name: 'add_note', arguments: { title: `bench ${i}`, body: `body of note ${i}` } }).then((r) => refused(r, 'add_note')));
  const search = await rate(calls, (i) => client.callTool({ name: 'search_notes', arguments: { query: `note ${i % 50}`, limit: 10 } }).then((r) => refused(r, 'search_notes')));
  return { add, search };
}

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { calls: { type: 'string', default: '300' }, json: { type: 'boolean', default: false } } });
  const out = values.json ? process.stderr : process.stdout; // under --json stdout carries only the JSON
  const projectDir = positionals[0] && path.resolve(positionals[0]);
  if (!projectDir) {
    process.stderr.write('usage: node scripts/bench-notes.mjs <generated-project-dir> [--calls 300] [--json]\n');
    return 1;
  }
  const calls = Math.min(Math.max(Math.trunc(Number(values.calls)) || 300, 10), 10_000);
  const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'secure-mcp.json'), 'utf8'));
  const { spec } = manifest;
  if (!spec.tools.includes('notes')) {
    process.stderr.write('this project has no notes tools (generate it with --tools notes)\n');
    return 1;
  }
  if (!fs.existsSync(path.join(projectDir, 'dist', 'storage', 'notes-repository.js'))) {
    process.stderr.write('build the project first (its dist/ is missing)\n');
    return 1;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-notes-'));
  const env = {
    PATH: process.env.PATH ?? '',
    AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
    AUDIT_LOG_DIR: path.join(work, 'audit'),
    LOCAL_SCOPES: 'notes:read notes:write',
    RATE_LIMIT_POINTS: '1000000',
    RATE_LIMIT_WINDOW_SECONDS: '3600',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    API_KEYS_FILE: path.join(work, 'api-keys.json'),
    FILES_ROOT: path.join(work, 'sandbox'),
    ...(spec.rateLimitStore === 'redis' ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:rl` } : {}),
  };
  fs.mkdirSync(env.FILES_ROOT);
  let dropDatabase = async () => {};
  if (spec.storage === 'sqlite') env.SQLITE_PATH = path.join(work, 'data', 'app.db');
  else {
    const database = await createTempDatabase(projectDir, 'bench_notes');
    dropDatabase = database.drop;
    env.DATABASE_URL = database.url;
  }

  const rows = [];
  try {
    // (floor) the data module, directly.
    const { loadConfig } = await dist(projectDir, 'config.js');
    const { createLogger } = await dist(projectDir, 'logger.js');
    const { openResources, closeResources } = await dist(projectDir, 'resources.js');
    const { NotesRepository } = await dist(projectDir, 'storage/notes-repository.js');
    const config = loadConfig(env, { envFile: null });
    const resources = openResources(config, createLogger('silent'));
    await resources.storage.migrate();
    const notes = new NotesRepository(resources.storage);
    const floor = {
      add: await rate(calls, (i) => notes.add('bench', `bench ${i}`, `body of note ${i}`)),
      search: await rate(calls, (i) => notes.search({ owner: 'bench', query: `note ${i % 50}`, limit: 11 })),
    };
    await closeResources(resources);
    rows.push(['data module (floor)', floor]);

    const { Client } = await importFromProject(projectDir, '@modelcontextprotocol/client');
    if (fs.existsSync(path.join(projectDir, 'dist', 'transports', 'stdio.js'))) {
      const { StdioClientTransport } = await importFromProject(projectDir, '@modelcontextprotocol/client/stdio');
      const client = new Client({ name: 'bench-notes', version: '0.0.0' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(projectDir, 'dist', 'transports', 'stdio.js')], env, stderr: 'ignore' }));
      try {
        rows.push(['stdio (SDK client, guard, audit)', await throughClient(client, calls)]);
      } finally {
        await client.close();
      }
    }

    if (fs.existsSync(path.join(projectDir, 'dist', 'transports', 'http.js'))) {
      if (spec.auth === 'oauth') rows.push(['http: skipped (OAuth needs an authorization server)', undefined]);
      else {
        let headers = {};
        if (spec.auth === 'api-key') {
          headers = { authorization: `Bearer ${createApiKey(projectDir, env, { name: 'bench', scopes: 'notes:read,notes:write' })}` };
        }
        const { spawn } = await import('node:child_process');
        const server = spawn(process.execPath, [path.join(projectDir, 'dist', 'transports', 'http.js')], { env: { ...env, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
        try {
          const url = await new Promise((resolve, reject) => {
            let err = '';
            const timer = setTimeout(() => reject(new Error(`the HTTP server did not start:\n${err}`)), 15_000);
            server.stderr.on('data', (chunk) => {
              err += chunk;
              const found = /"url":"([^"]+)"/.exec(err)?.[1];
              if (found) {
                clearTimeout(timer);
                resolve(found);
              }
            });
            server.on('exit', (code) => reject(new Error(`the HTTP server exited ${code}:\n${err}`)));
          });
          const { StreamableHTTPClientTransport } = await importFromProject(projectDir, '@modelcontextprotocol/client');
          const client = new Client({ name: 'bench-notes', version: '0.0.0' });
          await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
          try {
            rows.push(['http (SDK client, auth, limits, guard, audit)', await throughClient(client, calls)]);
          } finally {
            await client.close();
          }
        } finally {
          server.kill('SIGTERM');
        }
      }
    }
  } finally {
    await dropDatabase().catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }

  out.write(`\nbench-notes: ${path.basename(projectDir)} (${spec.storage}, ${spec.transport}, auth ${spec.auth}), ${calls} sequential calls each, Node ${process.version}, ${os.cpus().length} CPUs\n`);
  const [, floor] = rows[0];
  for (const [name, r] of rows) {
    if (!r) {
      out.write(`${name}\n`);
      continue;
    }
    out.write(
      `${name.padEnd(48)} add_note ${r.add.toFixed(0).padStart(7)}/s (${(r.add / floor.add).toFixed(3)} of floor)   search_notes ${r.search.toFixed(0).padStart(7)}/s (${(r.search / floor.search).toFixed(3)} of floor)\n`,
    );
  }
  if (values.json) {
    const result = {
      project: path.basename(projectDir),
      storage: spec.storage,
      transport: spec.transport,
      auth: spec.auth,
      calls,
      node: process.version,
      cpus: os.cpus().length,
      rows: rows.map(([name, r]) => (r ? { name, add: r.add, search: r.search, addOfFloor: r.add / floor.add, searchOfFloor: r.search / floor.search } : { name, skipped: true })),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
  return 0;
}

process.exitCode = await main().catch((error) => {
  process.stderr.write(`bench-notes: ${error.stack ?? error.message}\n`);
  return 1;
});
