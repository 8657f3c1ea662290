#!/usr/bin/env node
// `npm run test:node-versions`: proves generated projects on every maintained Node line, not just the
// machine's. Guards against a pin, a template or the generator itself that works on one line only. For
// each line (default 22, 24, 26; the `node` package from the npm registry, through `npx -p node@N`) it
// generates two projects WITH that Node (so the generator picks that line's versions column), then runs
// each project's own install and `npm test` under that Node, and prints line → project → result.
// Exits 1 on any failure. Not part of `npm test` (it takes minutes per line).
//
//   npm run test:node-versions                       # 22, 24 and 26
//   npm run test:node-versions -- --lines 24         # one line (what CI runs)
//   npm run test:node-versions -- --keep             # keep the projects (printed folder)
//
// Needs the network (the npm registry), PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
// and Redis (REDIS_URL, default redis://127.0.0.1:6379) for the second project.
//
// better-sqlite3: projects generated on Node >= 22.12 pin 13.x, which ships Node-API binaries in its npm
// package (one binary for every Node line, no install script), so nothing compiles and no prebuild cache
// is needed; the run checks that (no build/ folder). On a line below 22.12 the project pins 12.x, which
// compiles: the per-ABI cache of test/support/native-prebuilds.ts is what the vitest suites use for that.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'create-secure-mcp.js');

const PROJECTS = [
  { label: 'both+api-key+sqlite', flags: ['--transport', 'both', '--auth', 'api-key', '--storage', 'sqlite'] },
  { label: 'http+oauth+postgres+redis', flags: ['--transport', 'http', '--auth', 'oauth', '--storage', 'postgres', '--rate-limit-store', 'redis'] },
];

function parseArgs(argv) {
  const options = { lines: [22, 24, 26], keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') options.keep = true;
    else if (arg === '--lines' || arg.startsWith('--lines=')) {
      const value = arg.includes('=') ? arg.slice('--lines='.length) : argv[++i];
      options.lines = String(value ?? '').split(',').map((v) => Number(v.trim()));
      if (options.lines.length === 0 || options.lines.some((n) => !Number.isInteger(n) || n < 20)) throw new Error(`--lines takes majors like 22,24,26 (got ${value})`);
    } else throw new Error(`unknown argument ${arg} (use --lines 22,24,26 and --keep)`);
  }
  return options;
}

/** Runs `command` in a shell whose PATH starts with node@<line> (npx -p node@<line> -c). Output goes to `log`. */
function underNode(line, command, cwd, log, timeoutMs) {
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
    // An outer `npm run` sets npm_config_*/npm_package_* for this package: not for the project's npm.
    for (const key of Object.keys(env)) if (/^npm_(package_|lifecycle_|config_(prefix|globalconfig|local_prefix))/i.test(key)) delete env[key];
    const child = spawn('npx', ['-y', '-p', `node@${line}`, '-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk) => {
      output += chunk.toString();
      log.push(chunk.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, output: `${output}\n${error.message}` });
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

const quote = (arg) => `'${String(arg).replaceAll("'", "'\\''")}'`;

/** Vitest's summary line: `Tests  12 passed (12)` → '12 passed'. */
function testCount(output) {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const m = /^\s*Tests\s+(.+?)\s*$/m.exec(plain);
  // `7 failed | 474 passed`: commas, so the table's own `|` stays the column separator.
  return m ? m[1].replace(/\s*\(\d+\)$/, '').replaceAll(' | ', ', ') : '?';
}

async function runOne(line, project, work) {
  const begin = Date.now();
  const dir = path.join(work, `node${line}-${project.label.replaceAll('+', '-')}`);
  const log = [];
  const step = async (name, command, cwd, timeoutMs) => {
    log.push(`\n$ ${command}\n`);
    const result = await underNode(line, command, cwd, log, timeoutMs);
    return result.status === 0 ? undefined : `${name} failed (exit ${result.status})`;
  };
  const generate = ['node', BIN, dir, '--yes', '--no-install', '--no-git', ...project.flags].map(quote).join(' ');
  let failure = await step('generate', generate, work, 5 * 60_000);
  let engines = '?';
  let tests = '-';
  if (!failure) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    engines = `engines ${pkg.engines?.node}`;
    failure = await step('install', 'node --version && npm install --no-audit --no-fund', dir, 15 * 60_000);
  }
  if (!failure && existsSync(path.join(dir, 'node_modules', 'better-sqlite3', 'build'))) {
    log.push('\nnote: better-sqlite3 compiled (node_modules/better-sqlite3/build exists)\n');
  }
  if (!failure) {
    const before = log.length;
    failure = await step('npm test', 'npm test', dir, 20 * 60_000);
    tests = testCount(log.slice(before).join(''));
  }
  const seconds = ((Date.now() - begin) / 1000).toFixed(0);
  return { line, project: project.label, ok: failure === undefined, failure, tests, engines, seconds, dir, log: log.join('') };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'bundle', 'create-secure-mcp.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'smcp-node-versions-'));
  console.log(`Node lines ${options.lines.join(', ')}; projects in ${work}`);
  const results = [];
  for (const line of options.lines) {
    for (const project of PROJECTS) {
      process.stdout.write(`… node ${line} ${project.label}\n`);
      const result = await runOne(line, project, work);
      results.push(result);
      process.stdout.write(`  ${result.ok ? 'ok' : 'FAILED'} (${result.tests}, ${result.seconds}s)\n`);
      if (!result.ok) {
        const logFile = path.join(work, `node${line}-${project.label.replaceAll('+', '-')}.log`);
        writeFileSync(logFile, result.log);
        process.stdout.write(`  ${result.failure}; last lines (whole log: ${logFile}):\n${result.log.trimEnd().split('\n').slice(-25).map((l) => `    ${l}`).join('\n')}\n`);
      }
    }
  }
  console.log('\n| node | project | result | tests | time |');
  console.log('|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.line} | ${r.project} (${r.engines}) | ${r.ok ? 'pass' : `FAIL: ${r.failure}`} | ${r.tests} | ${r.seconds}s |`);
  const failed = results.filter((r) => !r.ok);
  if (options.keep || failed.length > 0) console.log(`\nProjects kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(failed.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
