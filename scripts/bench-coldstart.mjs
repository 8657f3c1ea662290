#!/usr/bin/env node
// Benchmark: stdio cold start — what an IDE pays at every launch of an MCP server. Measures the wall
// time from spawning `node <entry>` to the `initialize` response line on stdout (a raw JSON-RPC
// initialize written on stdin at once), for
//   (a) a bare SDK v2 stdio server — McpServer + StdioServerTransport with one trivial tool, written to a
//       temp file that imports the project's OWN installed @modelcontextprotocol/server and zod, so both
//       load the same SDK from the same node_modules;
//   (b) the generated server — the project's dist/transports/stdio.js, as a client config runs it, with
//       its audit log (and SQLite database, if any) in a temp folder, never the project's own;
// alternating (a, b, a, b, …) after one unmeasured warm-up start of each (the OS file cache, a first
// migration). Prints median/min/max of each and the ratio b/a of the medians. Figures, never a timed
// assertion; on a shared machine they are noisy — read the load average printed beside them.
//
//   node scripts/bench-coldstart.mjs <generated-project-dir> [--runs 20] [--json]
//
// --json prints one object: { bare: {median,min,max,runs}, generated: {…}, ratio, runs, node, load }.
// The project must be installed and built (`npm run build`). Run it under another Node with
// `npx -y -p node@24 -c 'node scripts/bench-coldstart.mjs <dir>'` (Node >= 22.1 has the module compile
// cache the generated entry enables).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench-coldstart', version: '0.0.0' } },
})}\n`;
const START_TIMEOUT_MS = 20_000;

/** File URL of a package's ESM entry (`pkg` or `pkg/sub`) installed in the project, via its exports map. */
function projectModuleUrl(projectDir, specifier) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = specifier.slice(name.length);
  const pkgDir = path.join(projectDir, 'node_modules', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  let target = pkg.exports?.[`.${sub}`] ?? (sub === '' ? pkg.exports : undefined);
  while (target && typeof target === 'object') target = target.import ?? target.default;
  if (typeof target !== 'string') throw new Error(`cannot resolve ${specifier} in ${pkgDir}`);
  return pathToFileURL(path.join(pkgDir, target)).href;
}

/** The bare server's source: the SDK's own minimal stdio example, one tool. */
function bareServerSource(projectDir) {
  return [
    `import { McpServer } from ${JSON.stringify(projectModuleUrl(projectDir, '@modelcontextprotocol/server'))};`,
    `import { StdioServerTransport } from ${JSON.stringify(projectModuleUrl(projectDir, '@modelcontextprotocol/server/stdio'))};`,
    `import { z } from ${JSON.stringify(projectModuleUrl(projectDir, 'zod/v4'))};`,
    `const server = new McpServer({ name: 'bare', version: '0.0.0' });`,
    `server.registerTool('echo', { description: 'Echoes its text.', inputSchema: z.object({ text: z.string() }) },`,
    `  async ({ text }) => ({ content: [{ type: 'text', text }] }));`,
    `await server.connect(new StdioServerTransport());`,
    '',
  ].join('\n');
}

/** Spawns `node entry`, writes initialize, resolves with ms until the response line; then ends the process. */
function timeOneStart(entry, env, cwd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let elapsed;
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    child.stdin.on('error', () => {}); // the process may be gone before stdin flushes
    child.stdin.write(INITIALIZE); // stdin stays open: its end means "shut down" to a stdio server
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (elapsed !== undefined) return;
      for (const line of stdout.split('\n').slice(0, -1)) {
        let message;
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message.id === 1 && (message.result || message.error)) {
          elapsed = Number(process.hrtime.bigint() - started) / 1e6;
          if (message.error) {
            child.kill('SIGKILL');
            reject(new Error(`initialize failed: ${JSON.stringify(message.error)}`));
            return;
          }
          child.kill('SIGTERM'); // the generated server closes its audit segment on SIGTERM
        }
      }
    });
    child.stderr.on('data', (chunk) => void (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (elapsed !== undefined) resolve(elapsed);
      else reject(new Error(`${entry} exited (${code ?? signal}) before answering initialize:\n${stderr.slice(-2000)}`));
    });
  });
}

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (n) => Math.round(n * 10) / 10;
  return { median: round(median), min: round(sorted[0]), max: round(sorted.at(-1)), runs: sorted.length };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { runs: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
  });
  const projectDir = positionals[0] && path.resolve(positionals[0]);
  const runs = Number(values.runs);
  if (!projectDir || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write('usage: node scripts/bench-coldstart.mjs <generated-project-dir> [--runs 20] [--json]\n');
    process.exit(1);
  }
  const generatedEntry = path.join(projectDir, 'dist', 'transports', 'stdio.js');
  if (!fs.existsSync(generatedEntry)) {
    process.stderr.write(`${generatedEntry} is missing: the project needs the stdio transport, an install and a build\n`);
    process.exit(1);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-coldstart-'));
  try {
    const bareEntry = path.join(work, 'bare-stdio-server.mjs');
    fs.writeFileSync(bareEntry, bareServerSource(projectDir));
    const generatedEnv = {
      ...process.env,
      AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
      AUDIT_LOG_DIR: path.join(work, 'audit'),
      SQLITE_PATH: path.join(work, 'app.db'),
      LOG_LEVEL: 'warn',
    };
    const bareEnv = { ...process.env };
    const cwd = work; // clients start servers from anywhere: neither may depend on the working directory

    await timeOneStart(bareEntry, bareEnv, cwd); // warm-up, not counted
    await timeOneStart(generatedEntry, generatedEnv, cwd);
    const bare = [];
    const generated = [];
    for (let i = 0; i < runs; i++) {
      bare.push(await timeOneStart(bareEntry, bareEnv, cwd));
      generated.push(await timeOneStart(generatedEntry, generatedEnv, cwd));
    }
    const result = {
      bare: summary(bare),
      generated: summary(generated),
      ratio: 0,
      runs,
      node: process.version,
      load: os.loadavg().map((n) => Math.round(n * 100) / 100),
    };
    result.ratio = Math.round((result.generated.median / result.bare.median) * 100) / 100;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const row = (label, s) => `${label.padEnd(34)} ${String(s.median).padStart(8)} ${String(s.min).padStart(8)} ${String(s.max).padStart(8)}`;
    process.stdout.write(
      [
        `stdio cold start: spawn → initialize answered, ${runs} alternating runs each, Node ${process.version}, load ${result.load.join(' ')}`,
        `${'server'.padEnd(34)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}  (ms)`,
        row('bare SDK v2 (McpServer + stdio)', result.bare),
        row('generated dist/transports/stdio.js', result.generated),
        `ratio generated/bare (medians): ${result.ratio}  (goal ≤ 1.0)`,
        '',
      ].join('\n'),
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
