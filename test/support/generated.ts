// Helpers for tests that generate real projects: npm commands with captured output, and typechecking a
// rendered combination against the node_modules of an installed project that has every dependency.
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { PROJECT_VERSIONS } from '../../src/project-versions.js';
import { runCli } from './cli.js';

export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, timeout: 900_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** The flags that reproduce a spec. */
export function flagsFor(spec: ProjectSpec): string[] {
  const flags = ['--transport', spec.transport, '--storage', spec.storage, `--tools=${spec.tools.join(',')}`];
  if (spec.transport !== 'stdio') flags.push('--auth', spec.auth, '--rate-limit-store', spec.rateLimitStore);
  return flags;
}

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
