#!/usr/bin/env node
// Install footprint: what a production install costs, side by side, for
//   (a) a generated `--yes` project (this repository's CLI, then `npm install --omit=dev` in it);
//   (b) the generator itself (`npm pack` of this repository, installed into an empty folder with --omit=dev,
//       as `npx create-secure-mcp` would fetch it);
//   (c) an mcp-framework project (`mcp create app --no-install` of mcp-framework MCP_FRAMEWORK_VERSION,
//       fetched with npx, then `npm install --omit=dev`): the yardstick.
// For each: production packages (unique name@version in `npm ls --omit=dev --all --parseable --long`, the
// root itself not counted) and the installed size of node_modules (du). Figures, never assertions.
//
//   node scripts/bench-footprint.mjs [--json]
//
// --json prints one object: { generated: {packages, bytes}, generator: {…}, mcpFramework: {…, version}, node }.
// Needs the npm registry. dist/ must be built (`npm run build`): the pack runs without scripts. better-sqlite3
// (the --yes project's SQLite driver) installs from the prebuild cache the tests keep
// ($SMCP_PREBUILD_CACHE, else ~/.cache/create-secure-mcp/prebuilds) when it holds a build, else it compiles.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

/** The newest mcp-framework whose engines allow Node 20 (>=18.19.0); the same pin as the scaffold benchmark. */
const MCP_FRAMEWORK_VERSION = '0.2.22';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function prebuildEnv() {
  const dir = process.env.SMCP_PREBUILD_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'create-secure-mcp', 'prebuilds');
  return fs.existsSync(dir) ? { npm_config_better_sqlite3_local_prebuilds: dir } : {};
}

function run(command, args, cwd, extraEnv = {}) {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function installProduction(dir, extraArgs = []) {
  run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', ...extraArgs], dir, prebuildEnv());
}

/** Bytes on disk under dir (du: allocated blocks, as a user sees it). */
function diskBytes(dir) {
  const out = run('du', ['-sk', dir], repo);
  return Number(out.split(/\s/)[0]) * 1024;
}

/** Unique name@version of the production tree under dir, without the root package itself. */
function productionPackages(dir) {
  let out;
  try {
    out = run(npm, ['ls', '--omit=dev', '--all', '--parseable', '--long'], dir);
  } catch (error) {
    out = error.stdout ?? ''; // npm ls exits 1 on extraneous or missing optional packages; the listing still stands
  }
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const ids = lines.slice(1).map((l) => l.split(':')[1]).filter(Boolean); // path:name@version[:…]; line 1 is the root
  return new Set(ids).size;
}

function measure(dir) {
  return { packages: productionPackages(dir), bytes: diskBytes(path.join(dir, 'node_modules')) };
}

function generatedProject(work) {
  const dir = path.join(work, 'generated');
  run(process.execPath, [path.join(repo, 'bin', 'create-secure-mcp.js'), dir, '--yes', '--no-install', '--no-git'], work);
  installProduction(dir);
  return measure(dir);
}

function generator(work) {
  if (!fs.existsSync(path.join(repo, 'dist', 'bundle', 'create-secure-mcp.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  const packDir = path.join(work, 'pack');
  fs.mkdirSync(packDir);
  const [{ filename }] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], repo));
  const dir = path.join(work, 'generator');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"footprint-probe","version":"0.0.0","private":true}\n');
  installProduction(dir, [path.join(packDir, path.basename(filename))]);
  // The probe's own tree is create-secure-mcp plus its dependencies: count the generator itself as the root.
  return { packages: productionPackages(dir) - 1, bytes: diskBytes(path.join(dir, 'node_modules')) };
}

function mcpFramework(work) {
  const version = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).devDependencies?.['mcp-framework'] ?? MCP_FRAMEWORK_VERSION;
  const parent = path.join(work, 'mcp-framework');
  fs.mkdirSync(parent);
  run(npx, ['-y', '-p', `mcp-framework@${version}`, 'mcp', 'create', 'app', '--no-install'], parent);
  const dir = path.join(parent, 'app');
  installProduction(dir);
  return { ...measure(dir), version };
}

function main() {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-footprint-'));
  try {
    const result = { generated: generatedProject(work), generator: generator(work), mcpFramework: mcpFramework(work), node: process.version };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
    const row = (label, m) => `${label.padEnd(44)} ${String(m.packages).padStart(9)} ${mib(m.bytes).padStart(10)}`;
    process.stdout.write(
      [
        `production install footprint (npm install --omit=dev), Node ${process.version}`,
        `${''.padEnd(44)} ${'packages'.padStart(9)} ${'size MiB'.padStart(10)}`,
        row('generated project (--yes)', result.generated),
        row('create-secure-mcp (packed, installed)', result.generator),
        row(`mcp-framework ${result.mcpFramework.version} project (mcp create)`, result.mcpFramework),
        '',
      ].join('\n'),
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
