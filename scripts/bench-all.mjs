#!/usr/bin/env node
// Every benchmark in one run, written up as docs/benchmarks.md (`npm run bench:all`). Builds the
// generator, makes (or reuses) the generated projects it needs (scripts/bench-projects.mjs), runs each
// section's script with --json, one after another so they never share the CPU, and writes the date,
// the machine (CPU, cores, RAM, OS, Node, load average at the start), one table per section with its
// medians, runs and ratios, and how to reproduce. Guards against published figures nobody can trace:
// every figure in the document comes from a script's JSON in this run, each section says how it was
// measured, and a section that failed says so instead of keeping old numbers.
//
//   npm run bench:all [-- --quick] [-- --out <file>] [-- --skip-build]
//
// --quick: fewer runs and shorter loads (a check that everything runs: 1.7 min here, projects reused); it
// writes tmp/benchmarks-quick.md unless --out is given, so quick figures never land in docs/ by accident.
// A full run is planned to stay within ~15 min on 2 cores (scaffold ~1, HTTP ~4, cold start ~1, notes ~3,
// soak 2, first project installs ~1). Sections whose script is missing
// (bench-coldstart.mjs, bench-footprint.mjs) print "not available". Exit 1 if a section failed or the
// soak found a lost or doubled audit line. Needs PostgreSQL and Redis on 127.0.0.1 (as the tests do).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureProjects, PROJECT_NODE_LINES, underNodeLine } from './bench-projects.mjs';
import { renderBenchmarks } from './bench-report.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const out = path.resolve(values.out ?? path.join(repoRoot, quick ? 'tmp/benchmarks-quick.md' : 'docs/benchmarks.md'));
/** Runs and durations: the full run takes ≥ 10 runs for every ratio (the issue's bar). */
const plan = quick
  ? { createRuns: 3, http: ['--duration', '2', '--warmup', '1', '--runs', '2'], coldRuns: 3, notesRuns: 2, notesCalls: 100, soakSeconds: 15 }
  : { createRuns: 10, http: ['--duration', '5', '--warmup', '3', '--runs', '10'], coldRuns: 20, notesRuns: 10, notesCalls: 300, soakSeconds: 120 };

const began = Date.now();
const elapsed = () => `${Math.round((Date.now() - began) / 1000)} s`;
const progress = (line) => process.stderr.write(`[bench:all ${elapsed()}] ${line}\n`);

function machine() {
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) osName = `${pretty} (${os.type()} ${os.release()})`;
  } catch {
    // not Linux, or no os-release: the kernel line is enough
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: os.totalmem() / 1024 ** 3,
    os: `${osName}, ${os.arch()}`,
    node: process.version,
    npm: spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? 'unknown',
    loadAverage: os.loadavg(),
  };
}

/**
 * Runs `node scripts/<script> …args` with its human lines passed through to stderr, and parses the
 * JSON it prints on stdout. Resolves to { ok, json, error }.
 */
function runSection(script, args, nodeLine) {
  return new Promise((resolve) => {
    const argv = [path.join(repoRoot, 'scripts', script), ...args];
    const run = nodeLine === undefined ? { command: process.execPath, args: argv, env: process.env } : underNodeLine(nodeLine, argv);
    const child = spawn(run.command, run.args, { cwd: repoRoot, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      process.stderr.write(chunk.replace(/^(?=.)/gm, '    '));
      tail = (tail + chunk).slice(-3000);
    });
    child.on('close', (code) => {
      let json;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        // not JSON: reported below
      }
      if (code === 0 && json !== undefined) resolve({ ok: true, json });
      else resolve({ ok: false, json, error: `${script} exited ${code}${json === undefined ? ' without JSON' : ''}: ${tail.trim().split('\n').slice(-8).join('\n')}` });
    });
  });
}

const present = (script) => fs.existsSync(path.join(repoRoot, 'scripts', script));

async function main() {
  const startMachine = machine();
  progress(`${quick ? 'quick' : 'full'} run; writes ${path.relative(repoRoot, out)}; load average at start ${startMachine.loadAverage.map((x) => x.toFixed(2)).join(' ')}`);
  if (!values['skip-build']) {
    progress('npm run build …');
    const built = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);
  }
  progress('generated projects …');
  const projects = await ensureProjects(undefined, (line) => progress(line.trim()));

  const results = {};
  progress(`scaffold, add tool, check (${plan.createRuns} runs) …`);
  results.create = await runSection('bench-create.mjs', [String(plan.createRuns), '--json']);

  for (const [key, project] of [['httpMemory', 'memory-sqlite'], ['httpRedis', 'redis-postgres']]) {
    progress(`HTTP throughput, ${project} vs bare SDK …`);
    results[key] = await runSection('bench-http.mjs', [projects[project], ...plan.http, '--json']);
  }

  if (present('bench-coldstart.mjs')) {
    progress(`stdio cold start (${plan.coldRuns} runs) …`);
    results.coldstart = await runSection('bench-coldstart.mjs', [projects['memory-sqlite'], '--runs', String(plan.coldRuns), '--json']);
    progress(`stdio cold start on Node ${PROJECT_NODE_LINES['memory-sqlite-node24']} (${plan.coldRuns} runs) …`);
    results.coldstartNode24 = await runSection('bench-coldstart.mjs', [projects['memory-sqlite-node24'], '--runs', String(plan.coldRuns), '--json'], PROJECT_NODE_LINES['memory-sqlite-node24']);
  } else progress('stdio cold start: not available (scripts/bench-coldstart.mjs is missing)');

  if (present('bench-footprint.mjs')) {
    progress('install footprint …');
    results.footprint = await runSection('bench-footprint.mjs', ['--json']);
  } else progress('install footprint: not available (scripts/bench-footprint.mjs is missing)');

  for (const [key, project] of [['notesSqlite', 'memory-sqlite'], ['notesPostgres', 'redis-postgres']]) {
    const runs = [];
    let failure;
    for (let i = 0; i < plan.notesRuns && !failure; i++) {
      progress(`notes tools, ${project}: run ${i + 1} of ${plan.notesRuns} …`);
      const run = await runSection('bench-notes.mjs', [projects[project], '--calls', String(plan.notesCalls), '--json']);
      if (run.ok) runs.push(run.json);
      else failure = run.error;
    }
    results[key] = failure ? { ok: false, error: failure } : { ok: true, json: { runs } };
  }

  progress(`soak: 20 clients for ${plan.soakSeconds} s …`);
  results.soak = await runSection('soak.mjs', [projects['memory-sqlite'], '--seconds', String(plan.soakSeconds), '--clients', '20', '--json']);

  const markdown = renderBenchmarks({
    date: new Date(began).toISOString(),
    quick,
    durationSeconds: (Date.now() - began) / 1000,
    machine: startMachine,
    loadAtEnd: os.loadavg(),
    plan,
    results,
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, markdown);
  const failed = Object.entries(results).filter(([, r]) => !r.ok);
  progress(`wrote ${path.relative(repoRoot, out)} in ${elapsed()}${failed.length > 0 ? `; FAILED sections: ${failed.map(([k]) => k).join(', ')}` : ''}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main().catch((error) => {
  process.stderr.write(`bench:all: ${error.message}\n`);
  return 1;
});
