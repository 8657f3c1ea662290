// Helpers for tests that generate real projects: npm commands with captured output, and typechecking a
// rendered combination against the node_modules of an installed project that has every dependency.
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { PROJECT_VERSIONS } from '../../src/project-versions.js';
import { runCli } from './cli.js';

export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, timeout: 900_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

import { flagsFor } from '../../src/options/matrix.js';

export { flagsFor };

/**
 * The spec whose project carries every dependency any combination needs — but one SQLite driver: its
 * types are added by addSqliteTypes (a typecheck needs @types/better-sqlite3, not the native addon).
 */
export const SUPERSET_FLAGS = ['--transport', 'http', '--auth', 'oauth', '--rate-limit-store', 'redis', '--storage', 'postgres', '--tools', 'files,notes,fetch'];

/** Adds the SQLite driver's types to the superset project (not saved to its package.json), so SQLite combinations typecheck against it. */
export function addSqliteTypes(supersetDir: string) {
  return npm(['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `@types/better-sqlite3@${PROJECT_VERSIONS['@types/better-sqlite3']}`], supersetDir);
}

/** Renders `spec` into `work/<dir>` without installing and typechecks it with `modulesFrom`'s node_modules. */
export function typecheckCombination(spec: ProjectSpec, work: string, dir: string, modulesFrom: string) {
  const run = runCli([dir, '--no-install', '--no-git', ...flagsFor(spec)], { cwd: work });
  if (run.status !== 0) return { status: run.status, output: `generation failed:\n${run.stderr}` };
  symlinkSync(path.join(modulesFrom, 'node_modules'), path.join(work, dir, 'node_modules'), 'dir');
  return npm(['run', 'typecheck'], path.join(work, dir));
}

/** The generated tsconfig.json as data (its leading comment lines dropped). */
function readTsconfig(dir: string): { compilerOptions: Record<string, unknown>; include: string[] } {
  const text = readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
  return JSON.parse(text.split('\n').filter((line) => !line.trimStart().startsWith('//')).join('\n')) as { compilerOptions: Record<string, unknown>; include: string[] };
}

/**
 * Typechecks several rendered combinations (folders of `work`) in ONE tsc program: the dependencies'
 * declarations (most of a single run's time) are parsed once, each combination's own files are checked as
 * its `npm run typecheck` would (same compiler options, same includes). `work/node_modules` must resolve
 * to the shared install. Returns each folder's errors (an error outside every folder is given to all).
 */
export function typecheckTogether(work: string, dirs: readonly string[]): Map<string, string[]> {
  const first = readTsconfig(path.join(work, dirs[0] ?? ''));
  const errors = new Map<string, string[]>(dirs.map((dir) => [dir, []]));
  for (const dir of dirs) {
    const config = readTsconfig(path.join(work, dir));
    if (JSON.stringify(config) !== JSON.stringify(first)) errors.get(dir)?.push(`tsconfig.json differs from ${dirs[0]}'s: typecheck it on its own`);
  }
  const batch = `tsconfig.batch-${dirs[0]}.json`;
  writeFileSync(path.join(work, batch), JSON.stringify({ compilerOptions: first.compilerOptions, include: dirs.flatMap((dir) => first.include.map((entry) => `${dir}/${entry}`)) }));
  const tsc = path.join(work, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', batch], { cwd: work, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.trim() !== '' && !line.startsWith(' '));
  for (const line of lines) {
    const owner = dirs.find((dir) => line.startsWith(`${dir}/`));
    for (const dir of owner === undefined ? dirs : [owner]) errors.get(dir)?.push(line);
  }
  if (result.status !== 0 && lines.length === 0) for (const dir of dirs) errors.get(dir)?.push(`tsc exited ${result.status ?? result.signal}: ${result.error?.message ?? 'no output'}`);
  return errors;
}
