#!/usr/bin/env node
// Benchmark: wall time of `create-secure-mcp demo --yes --no-install --no-git`, the create path a user
// waits on. Prints figures (median of N runs, min, max); asserts nothing. Build first (npm run build).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number.parseInt(process.argv[2] ?? '10', 10);
const bin = fileURLToPath(new URL('../bin/create-secure-mcp.js', import.meta.url));
const times = [];
for (let i = 0; i < runs; i++) {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-bench-'));
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, 'demo', '--yes', '--no-install', '--no-git'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(cwd, { recursive: true, force: true });
  if (result.status !== 0) {
    console.error(`run ${i + 1} failed (exit ${result.status}): ${result.stderr}`);
    process.exit(1);
  }
  times.push(ms);
}
const sorted = [...times].sort((a, b) => a - b);
const mid = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
const baseline = [];
for (let i = 0; i < 5; i++) {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  baseline.push(Number(process.hrtime.bigint() - started) / 1e6);
}
baseline.sort((a, b) => a - b);
console.log(`create-secure-mcp demo --yes --no-install --no-git, ${runs} runs (node ${process.version})`);
console.log(`  median ${median.toFixed(0)} ms   min ${sorted[0].toFixed(0)} ms   max ${sorted.at(-1).toFixed(0)} ms`);
console.log(`  for scale: node -e 0 median ${baseline[2].toFixed(0)} ms`);
