#!/usr/bin/env node
// Benchmark: wall time of `create-secure-mcp demo --yes --no-install --no-git`, the create path a user
// waits on, side by side with create-vite (`create-vite app --template vanilla-ts`, a devDependency) as
// the yardstick: runs alternate (and alternate which goes first) so machine noise hits both alike.
// Prints figures (medians, min, max, the ratio ours / create-vite); asserts nothing.
// Build first (npm run build). Usage: node scripts/bench-create.mjs [runs per tool, default 10]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number.parseInt(process.argv[2] ?? '10', 10);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: node scripts/bench-create.mjs [runs per tool, default 10]');
  process.exit(1);
}
const ours = {
  label: 'create-secure-mcp demo --yes --no-install --no-git',
  bin: fileURLToPath(new URL('../bin/create-secure-mcp.js', import.meta.url)),
  args: ['demo', '--yes', '--no-install', '--no-git'],
  made: 'demo/secure-mcp.json',
  times: [],
};
const vite = viteTool();

/** create-vite's bin from our devDependencies, or undefined (e.g. after a production install). */
function viteTool() {
  let pkgFile;
  try {
    pkgFile = createRequire(import.meta.url).resolve('create-vite/package.json');
  } catch {
    return undefined;
  }
  const pkg = createRequire(import.meta.url)('create-vite/package.json');
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['create-vite'];
  return {
    label: `create-vite ${pkg.version} app --template vanilla-ts`,
    bin: path.join(path.dirname(pkgFile), bin),
    args: ['app', '--template', 'vanilla-ts'],
    made: 'app/package.json',
    times: [],
  };
}

// Every run gets its own empty folder inside one bench folder, and the folders are removed only at the
// end: on a disk without a journal (this project's CI VM), ext4 skips inodes freed in the last 30 s
// when it places a new file, so deleting each run's ~80 files before the next run made the next one
// pay up to ~1 ms per file it creates — a tax on each tool's file count, not on its own work.
const benchRoot = mkdtempSync(path.join(os.tmpdir(), 'csm-bench-'));
process.on('exit', () => rmSync(benchRoot, { recursive: true, force: true }));
let runCount = 0;

/** One run in a new empty folder; returns its wall time in ms, or exits on failure. */
function once(tool, record) {
  const cwd = path.join(benchRoot, `run-${++runCount}`);
  mkdirSync(cwd);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [tool.bin, ...tool.args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 || !existsSync(path.join(cwd, tool.made))) {
    console.error(`${tool.label} failed (exit ${result.status}): ${result.stderr}`);
    process.exit(1);
  }
  if (record) tool.times.push(ms);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;
const summary = (tool) => `  ${tool.label}\n    median ${fmt(median(tool.times))}   min ${fmt(Math.min(...tool.times))}   max ${fmt(Math.max(...tool.times))}`;

// One unrecorded run each warms the file cache; then pairs, alternating which tool goes first.
const tools = vite ? [ours, vite] : [ours];
for (const tool of tools) once(tool, false);
const pairRatios = [];
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? tools : [...tools].reverse();
  const ms = new Map(order.map((tool) => [tool, once(tool, true)]));
  if (vite) pairRatios.push(ms.get(ours) / ms.get(vite));
}

const baseline = [];
for (let i = 0; i < 5; i++) {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  baseline.push(Number(process.hrtime.bigint() - started) / 1e6);
}

console.log(`scaffold wall time, ${runs} runs each${vite ? ', alternating' : ''} (node ${process.version}, ${os.cpus().length} cores)`);
console.log(summary(ours));
if (vite) {
  console.log(summary(vite));
  console.log(`  ratio ours / create-vite: ${(median(ours.times) / median(vite.times)).toFixed(2)} (medians), ${median(pairRatios).toFixed(2)} (median of paired runs)`);
  if (runs < 10) console.log('  (fewer than 10 runs: a rough figure)');
} else {
  console.log('  create-vite is not installed (npm install, it is a devDependency): no comparison');
}
console.log(`  for scale: node -e 0 median ${fmt(median(baseline))}`);
