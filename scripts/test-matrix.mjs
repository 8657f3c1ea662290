#!/usr/bin/env node
// `npm run test:matrix` (after the typecheck of every combination): option combinations for real. For each
// selected combination it generates the project with the built CLI, installs it (npm's one shared cache,
// --prefer-offline; better-sqlite3 from the one per-machine build of test/support/native-prebuilds.ts),
// builds it, runs its own tests (`npm test`, CI=true: a missing PostgreSQL or Redis fails, never skips) and
// `create-secure-mcp check --offline` (a failed item fails the combination; warnings and "could not run"
// are shown, not failed). Prints combination → result, time, test count, check summary; exits 1 on any
// failure. Guards against a combination that typechecks but does not install, build, pass its tests or its
// own check. Passed projects are removed as it goes; failed ones are kept and their folder printed.
//
//   node scripts/test-matrix.mjs                  # --subset ci: a greedy cover of every option value (src/options/matrix-cover.ts)
//   node scripts/test-matrix.mjs --all            # every valid combination (allValidSpecs)
//   node scripts/test-matrix.mjs --only oauth     # the combinations of --all (or of --subset) whose label contains it
//   node scripts/test-matrix.mjs --all --shard 3/20  # every 20th combination from the 3rd: 20 such runs cover --all once
//   node scripts/test-matrix.mjs --jobs 2 --keep  # two at a time; keep passed projects too
//
// Needs dist/ (npm run build), the npm registry (or a warm npm cache), PostgreSQL (TEST_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/postgres) and Redis (REDIS_URL, default redis://127.0.0.1:6379).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'create-secure-mcp.js');
const MINUTE = 60_000;

if (!existsSync(path.join(ROOT, 'dist', 'options', 'matrix-cover.js')) || !existsSync(path.join(ROOT, 'dist', 'bundle', 'create-secure-mcp.js'))) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(2);
}
/** The combinations, their labels and flagsFor, from the built generator (src/options/matrix-cover.ts). */
const matrix = await import(pathToFileURL(path.join(ROOT, 'dist', 'options', 'matrix-cover.js')).href);
const { flagsFor } = matrix;

function parseArgs(argv) {
  const options = { selection: undefined, only: undefined, shard: undefined, jobs: 1, keep: false };
  const value = (arg, i) => (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = arg.includes('=');
    if (arg === '--all') options.selection = 'all';
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--subset' || arg.startsWith('--subset=')) {
      const name = value(arg, i);
      if (!inline) i++;
      if (name !== 'ci') throw new Error(`--subset takes "ci" (got ${name})`);
      options.selection = 'ci';
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      options.only = value(arg, i);
      if (!inline) i++;
      if (!options.only) throw new Error('--only takes a piece of a combination label, e.g. --only http/oauth');
    } else if (arg === '--jobs' || arg.startsWith('--jobs=')) {
      options.jobs = Number(value(arg, i));
      if (!inline) i++;
      if (!Number.isInteger(options.jobs) || options.jobs < 1) throw new Error(`--jobs takes a whole number ≥ 1 (got ${value(arg, i)})`);
    } else if (arg === '--shard' || arg.startsWith('--shard=')) {
      const m = /^(\d+)\/(\d+)$/.exec(value(arg, i) ?? '');
      if (!inline) i++;
      options.shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
      if (!options.shard || options.shard.count < 1 || options.shard.index < 1 || options.shard.index > options.shard.count) throw new Error('--shard takes k/n with 1 ≤ k ≤ n, e.g. --shard 3/10');
    } else throw new Error(`unknown argument ${arg} (use --subset ci, --all, --only <label part>, --shard k/n, --jobs N, --keep)`);
  }
  // --only alone filters every combination; with --subset ci or --all it filters that selection.
  options.selection ??= options.only === undefined ? 'ci' : 'all';
  return options;
}

/**
 * test/support/native-prebuilds.ts is TypeScript (shared with the vitest suites): bundled here with
 * esbuild (a devDependency) into memory and imported from a data: URL, so there is one implementation.
 */
async function loadPrebuilds() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(ROOT, 'test', 'support', 'native-prebuilds.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

/** The environment of every child: ours minus what an outer `npm run` sets for this package (not for the project's npm). */
function childEnv(extra) {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const key of Object.keys(env)) if (/^npm_(package_|lifecycle_|config_(prefix|globalconfig|local_prefix|user_agent)$)/i.test(key)) delete env[key];
  return { ...env, ...extra };
}

function run(command, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk.toString()));
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, output: `${output}\n${error.message}` });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status: status ?? signal, output });
    });
  });
}

/** A team preset folder for `spec`: preset.json written by `preset init` with every option locked, plus one extra file. */
async function writePreset(spec, dir, env) {
  mkdirSync(path.join(dir, 'files'), { recursive: true });
  const init = await run(process.execPath, [BIN, 'preset', 'init', 'preset.json', '--name', 'matrix-team', ...flagsFor(spec), '--yes', '--lock', 'transport,storage,tools'], { cwd: dir, env, timeoutMs: MINUTE });
  if (init.status !== 0) return init;
  const file = path.join(dir, 'preset.json');
  writeFileSync(file, `${JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), files: './files' }, null, 2)}\n`);
  writeFileSync(path.join(dir, 'files', 'TEAM.md'), '# Team notes\n\nAdded by the matrix-team preset.\n');
  return init;
}

/**
 * Vitest's summary: `Tests  316 passed | 1 skipped (317)` → { passed: 316, failed: false, text: '316 passed, 1 skipped' }.
 * A skip is not a failure: generated tests skip by design where a test does not apply (e.g. a SIGTERM exit
 * test without OAuth, a chown test when not root), and under CI=true a missing service fails instead of skipping.
 */
function testCount(output) {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const m = /^\s*Tests\s+(.+?)\s*$/m.exec(plain);
  if (!m) return { passed: 0, text: '?', failed: false };
  const text = m[1].replace(/\s*\(\d+\)$/, '').replaceAll(' | ', ', ');
  return { passed: Number(/(\d+) passed/.exec(text)?.[1] ?? 0), text, failed: /failed/.test(text) };
}

/** `check --json`'s items → '31 pass, 2 warn, …' and the failed ones. */
function checkSummary(output) {
  const items = JSON.parse(output.slice(output.indexOf('{'))).items;
  const counts = new Map();
  for (const item of items) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
  const order = ['pass', 'fail', 'warn', 'could-not-run', 'not-applicable'];
  const text = order.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s === 'not-applicable' ? 'n/a' : s}`).join(', ');
  return { text, failed: items.filter((i) => i.status === 'fail').map((i) => `${i.id}: ${i.message}`) };
}

async function runOne(combination, index, work, shared) {
  const { matrix, env } = shared;
  const label = matrix.combinationLabel(combination);
  const slug = `c${String(index + 1).padStart(3, '0')}`;
  const dir = path.join(work, slug);
  const begin = Date.now();
  const result = { label, dir, ok: false, seconds: '0', tests: '-', check: '-', failure: undefined, tail: '' };
  const steps = [];
  const step = async (name, command, args, cwd, options = {}) => {
    const started = Date.now();
    const outcome = await run(command, args, { cwd, env: options.env ?? env, timeoutMs: options.timeoutMs ?? 15 * MINUTE });
    steps.push(`${name} ${((Date.now() - started) / 1000).toFixed(0)}s`);
    if (outcome.status !== 0 && !options.allowFailure) {
      result.failure = `${name} (exit ${outcome.status})`;
      result.tail = outcome.output.trimEnd().split('\n').slice(-30).join('\n');
      return undefined;
    }
    return outcome;
  };
  const finish = () => {
    result.seconds = ((Date.now() - begin) / 1000).toFixed(0);
    result.steps = steps.join(', ');
    return result;
  };

  mkdirSync(work, { recursive: true });
  let create;
  if (combination.madeWith === 'preset') {
    const presetDir = path.join(work, `${slug}-preset`);
    const init = await writePreset(combination.spec, presetDir, env);
    if (init.status !== 0) {
      result.failure = `preset init (exit ${init.status})`;
      result.tail = init.output;
      return finish();
    }
    create = await step('generate', process.execPath, [BIN, slug, '--preset', presetDir, '--yes', '--no-install', '--no-git'], work);
  } else {
    create = await step('generate', process.execPath, [BIN, slug, '--yes', '--no-install', '--no-git', ...flagsFor(combination.spec)], work);
  }
  if (!create) return finish();
  // The project is what was asked for (a preset that set other options would pass unnoticed otherwise).
  const manifest = JSON.parse(readFileSync(path.join(dir, 'secure-mcp.json'), 'utf8'));
  for (const key of ['transport', 'auth', 'storage', 'tools', 'rateLimitStore']) {
    if (JSON.stringify(manifest.spec[key]) !== JSON.stringify(combination.spec[key])) {
      result.failure = `generate: ${key} is ${JSON.stringify(manifest.spec[key])}, expected ${JSON.stringify(combination.spec[key])}`;
      return finish();
    }
  }
  if (combination.madeWith === 'preset' && (manifest.preset?.name !== 'matrix-team' || !existsSync(path.join(dir, 'TEAM.md')))) {
    result.failure = 'generate: the preset is not recorded in secure-mcp.json or its file TEAM.md is missing';
    return finish();
  }

  if (!(await step('install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir))) return finish();
  if (!(await step('build', 'npm', ['run', 'build'], dir))) return finish();
  const tested = await step('test', 'npm', ['test'], dir, { env: { ...env, CI: 'true' }, timeoutMs: 20 * MINUTE });
  if (!tested) return finish();
  const count = testCount(tested.output);
  result.tests = count.text;
  if (count.passed === 0 || count.failed) {
    result.failure = `test: ${count.text === '?' ? 'no vitest summary line' : count.text}`;
    result.tail = tested.output.trimEnd().split('\n').slice(-30).join('\n');
    return finish();
  }
  // --offline: the registry audit (SMCP-DEPS) is "could not run", not a network-dependent result.
  const checked = await step('check', process.execPath, [BIN, 'check', dir, '--json', '--offline'], work, { allowFailure: true, timeoutMs: 5 * MINUTE });
  try {
    const summary = checkSummary(checked.output);
    result.check = summary.text;
    if (summary.failed.length > 0 || checked.status !== 0) {
      result.failure = `check (exit ${checked.status}): ${summary.failed.length} failed`;
      result.tail = summary.failed.join('\n');
      return finish();
    }
  } catch (error) {
    result.failure = `check (exit ${checked.status}): no JSON report (${error.message})`;
    result.tail = checked.output.trimEnd().split('\n').slice(-30).join('\n');
    return finish();
  }
  result.ok = true;
  return finish();
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  let selected = options.selection === 'all' ? matrix.allCombinations() : matrix.coveringSubset();
  if (options.selection === 'ci') {
    console.log('Covering subset (every option value at least once; src/options/matrix-cover.ts):');
    for (const pick of selected) console.log(`  ${matrix.combinationLabel(pick)}  covers ${pick.covers.join(' ')}`);
  }
  if (options.only !== undefined) selected = selected.filter((c) => matrix.combinationLabel(c).includes(options.only));
  // Shard k of n: every n-th combination from the k-th, so n runs (sessions, machines) together cover the selection once.
  if (options.shard !== undefined) selected = selected.filter((_, i) => i % options.shard.count === options.shard.index - 1);
  if (selected.length === 0) {
    console.error(`no combination matches${options.only === undefined ? '' : ` --only ${options.only}`}${options.shard === undefined ? '' : ` in shard ${options.shard.index}/${options.shard.count}`}`);
    process.exit(2);
  }

  const native = await loadPrebuilds();
  const prebuilds = await native.ensureBetterSqlite3Prebuild();
  // npm_config_user_agent empty: the generator picks npm, as the combinations say.
  const env = childEnv({ ...native.prebuildEnv(prebuilds.dir), npm_config_user_agent: '' });
  const work = mkdtempSync(path.join(os.tmpdir(), 'csm-matrix-run-'));
  const total = selected.length;
  console.log(`${total} combination(s), ${options.jobs} at a time, in ${work} (Node ${process.version}, npm cache shared, better-sqlite3 from ${prebuilds.dir})`);

  const begin = Date.now();
  const results = new Array(total);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const result = await runOne(selected[index], index, work, { matrix, env });
      results[index] = result;
      done++;
      console.log(`[${done}/${total}] ${result.ok ? 'pass' : 'FAIL'} ${result.label} (${result.seconds}s: ${result.steps}; tests ${result.tests}; check ${result.check})`);
      if (result.ok && !options.keep) rmSync(result.dir, { recursive: true, force: true });
      if (!result.ok) console.log(`  ${result.failure}; kept in ${result.dir}\n${result.tail.split('\n').map((line) => `    ${line}`).join('\n')}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, total) }, worker));

  const minutes = ((Date.now() - begin) / MINUTE).toFixed(1);
  console.log('\n| combination | result | time | tests | check |');
  console.log('|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.label} | ${r.ok ? 'pass' : `FAIL: ${r.failure}`} | ${r.seconds}s | ${r.tests} | ${r.check} |`);
  const seconds = results.map((r) => Number(r.seconds)).sort((a, b) => a - b);
  const median = seconds.length % 2 === 1 ? seconds[(seconds.length - 1) / 2] : (seconds[seconds.length / 2 - 1] + seconds[seconds.length / 2]) / 2;
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${total - failed.length}/${total} passed in ${minutes} min; median ${median}s per combination (${options.jobs} at a time)`);
  if (failed.length > 0 || options.keep) console.log(`Projects kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(failed.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
