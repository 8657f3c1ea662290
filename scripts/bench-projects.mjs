#!/usr/bin/env node
// The generated projects the benchmarks run against, made once and reused: generated with this
// repository's built CLI (dist/), installed and built by the generator itself, in the git-ignored
// tmp/bench-projects/. A project is made again when the CLI bundle or the precompiled templates changed
// since it was made (a stamp file holds their SHA-256 and the flags), so figures never come from a
// project an older generator wrote. better-sqlite3 is taken from the one-per-machine prebuild cache
// (test/support/native-prebuilds.ts, bundled here with esbuild so it is reused rather than copied):
// without it every install compiles SQLite from source (over a minute on 2 cores). A project named in
// PROJECT_NODE_LINES is generated, installed and built under that Node line instead (`npx -p node@<line>`),
// so its native addon fits the line it is measured on (better-sqlite3 13, the Node >= 22 column, ships prebuilds).
//
//   node scripts/bench-projects.mjs [name …]      makes (or reuses) them and prints their folders
// Names: see PROJECTS below. Used by scripts/bench-all.mjs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const PROJECTS_DIR = path.join(repoRoot, 'tmp', 'bench-projects');

/** What each benchmark needs: both transports (so stdio and HTTP), an API key, the notes tools. */
export const PROJECTS = {
  // HTTP with the memory rate-limit store; SQLite notes; stdio cold start; the soak.
  'memory-sqlite': ['--transport', 'both', '--auth', 'api-key', '--storage', 'sqlite', '--tools', 'files,notes', '--rate-limit-store', 'memory'],
  // HTTP with the Redis rate-limit store; PostgreSQL notes.
  'redis-postgres': ['--transport', 'both', '--auth', 'api-key', '--storage', 'postgres', '--tools', 'files,notes', '--rate-limit-store', 'redis'],
  // memory-sqlite as generated, installed and built under Node 24 (a maintained line; its native addon
  // built for it): the stdio cold start there, where the generated entries use the module compile cache.
  'memory-sqlite-node24': ['--transport', 'both', '--auth', 'api-key', '--storage', 'sqlite', '--tools', 'files,notes', '--rate-limit-store', 'memory'],
};

/** Projects made under another Node line (`npx -p node@<line>`), by name; the rest under this Node. */
export const PROJECT_NODE_LINES = { 'memory-sqlite-node24': 24 };

const quote = (arg) => `'${String(arg).replaceAll("'", "'\\''")}'`;

/**
 * `node <argv…>` under node@<line> (`npx -p node@<line> -c`): the command, its arguments and its environment
 * (this one minus an outer `npm run`'s package settings), for spawn or spawnSync.
 */
export function underNodeLine(line, argv) {
  const env = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (/^npm_(package_|lifecycle_|config_(prefix|globalconfig|local_prefix|user_agent))/i.test(key)) delete env[key];
  return { command: 'npx', args: ['-y', '-p', `node@${line}`, '-c', `node ${argv.map(quote).join(' ')}`], env };
}

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function stampFor(flags, line) {
  const bundle = path.join(repoRoot, 'dist', 'bundle', 'create-secure-mcp.js');
  const templates = path.join(repoRoot, 'dist', 'generate', 'precompiled-templates.js');
  for (const file of [bundle, templates]) if (!fs.existsSync(file)) throw new Error(`${path.relative(repoRoot, file)} is missing: run npm run build first`);
  return JSON.stringify({ flags, bundle: sha256(bundle), templates: sha256(templates), node: line === undefined ? process.version : `node@${line}` });
}

/** The prebuild cache's environment for installs (builds the one tarball first if the cache lacks it). */
async function prebuildEnvironment(log) {
  const { build } = await import('esbuild');
  const outfile = path.join(PROJECTS_DIR, '.native-prebuilds.mjs');
  await build({
    entryPoints: [path.join(repoRoot, 'test', 'support', 'native-prebuilds.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  const { ensureBetterSqlite3Prebuild, prebuildEnv } = await import(pathToFileURL(outfile).href);
  log('  better-sqlite3 prebuild cache: checking (a first run compiles it once, about 1.5 min) …');
  const prebuild = await ensureBetterSqlite3Prebuild();
  log(`  better-sqlite3 prebuild: ${prebuild.built ? 'built' : 'cached'} (${prebuild.file})`);
  return prebuildEnv(prebuild.dir);
}

/**
 * Makes (or reuses) the named projects; resolves to { name: folder }. `log` gets progress lines.
 * Throws with the generator's output when one fails.
 */
export async function ensureProjects(names = Object.keys(PROJECTS), log = (line) => process.stderr.write(`${line}\n`)) {
  fs.mkdirSync(PROJECTS_DIR, { recursive: true });
  const folders = {};
  let env;
  for (const name of names) {
    const flags = PROJECTS[name];
    if (!flags) throw new Error(`unknown bench project ${name} (known: ${Object.keys(PROJECTS).join(', ')})`);
    const dir = path.join(PROJECTS_DIR, name);
    const stampFile = path.join(PROJECTS_DIR, `${name}.stamp.json`);
    const line = PROJECT_NODE_LINES[name];
    const stamp = stampFor(flags, line);
    folders[name] = dir;
    if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp && fs.existsSync(path.join(dir, 'dist', 'transports', 'http.js'))) {
      log(`  ${name}: reused (made by this build of the generator)`);
      continue;
    }
    if (line === undefined) env ??= { ...process.env, ...(await prebuildEnvironment(log)), npm_config_user_agent: 'npm/11 node/v20', NO_COLOR: '1' };
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stampFile, { force: true });
    const started = Date.now();
    log(`  ${name}: generating, installing and building${line === undefined ? '' : ` under node@${line}`} (${flags.join(' ')}) …`);
    const args = [path.join(repoRoot, 'bin', 'create-secure-mcp.js'), name, '--yes', '--no-git', ...flags];
    const options = { cwd: PROJECTS_DIR, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 };
    const run = line === undefined ? { command: process.execPath, args, env } : underNodeLine(line, args);
    const made = spawnSync(run.command, run.args, { ...options, env: run.env });
    if (made.status !== 0 || !fs.existsSync(path.join(dir, 'dist', 'transports', 'http.js'))) {
      throw new Error(`generating ${name} failed (exit ${made.status}):\n${`${made.stdout}\n${made.stderr}`.slice(-6000)}`);
    }
    fs.writeFileSync(stampFile, stamp);
    log(`  ${name}: ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return folders;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const folders = await ensureProjects(process.argv.length > 2 ? process.argv.slice(2) : undefined);
    for (const [name, dir] of Object.entries(folders)) process.stdout.write(`${name}\t${dir}\n`);
  } catch (error) {
    process.stderr.write(`bench-projects: ${error.message}\n`);
    process.exitCode = 1;
  }
}
