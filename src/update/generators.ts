/**
 * The generators update renders with: this one (in memory), or another version of create-secure-mcp —
 * the --from folder or tarball, or that version fetched from the registry with `npm pack` — run as its
 * own CLI in update's temporary folder. Guards against running anything of a downloaded package but its
 * CLI (npm pack --ignore-scripts; its dependencies are this generator's own when the pins are the same,
 * else installed with --ignore-scripts), against rendering with a version other than the one asked for,
 * against writing into the user's --from folder, and against leftovers: everything lands under the one
 * temporary folder the caller removes (also on Ctrl-C).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CliError } from '../errors.js';
import { planProject } from '../generate/plan.js';
import { renderPlan } from '../generate/render.js';
import { servesHttp } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';
import { applyPresetFiles } from '../presets/apply-files.js';
import { extractTarball, npmCommand, npmPack, type PackageKind } from '../presets/fetch-package.js';
import { RENDER_NODE_VERSION } from '../project-versions.js';
import { presetRecord, type Preset } from '../presets/preset-types.js';
import type { FileSet } from './merge-types.js';

/** The registry name of this generator: what update fetches `@<version>` of. */
export const GENERATOR_PACKAGE = 'create-secure-mcp';

/** A loaded preset, and how another generator's --preset reaches the same preset (an absolute path or name@version). */
export interface PresetAt {
  readonly preset: Preset;
  readonly source: string;
}

export interface Generator {
  readonly version: string;
  render(spec: ProjectSpec, preset: PresetAt | undefined): Promise<FileSet>;
}

/** Where each of the two generators is wanted, for the hint when it cannot be had. */
export type GeneratorRole = 'base' | 'target';

const GENERATOR_KIND: PackageKind = { label: 'create-secure-mcp', otherwise: 'or pass the generator with --from <folder | tarball>', maxBytes: 100 * 1024 * 1024 };

// ---- this generator ----

export function runningGenerator(version: string): Generator {
  return {
    version,
    async render(spec, at) {
      const preset = at?.preset;
      const env = { generatorVersion: version, randomBytes, now: new Date(), ...(preset ? { preset: presetRecord(preset) } : {}) };
      const planned = await planProject(spec, { install: false, git: false }, env);
      const plan = preset ? applyPresetFiles(planned, preset) : planned;
      const files = await renderPlan(plan, spec, version);
      return new Map(files.map((f) => [f.path, f.content]));
    },
  };
}

// ---- another version: --from, or fetched ----

/** The --from generator (a folder or an npm pack tarball), which must be `expected`. */
export async function generatorFrom(from: string, expected: string, temp: string, env: NodeJS.ProcessEnv): Promise<Generator> {
  if (!existsSync(from)) throw new CliError('USAGE', `--from ${from} does not exist.`, { hint: 'Pass an npm pack tarball or an unpacked create-secure-mcp package.' });
  const root = await prepareGenerator(from, `--from ${from}`, temp, env);
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version;
  if (version !== expected) {
    throw new CliError('USAGE', `--from is create-secure-mcp ${version ?? '(no version)'}, but the project was made by ${expected || '(unknown version)'}.`, {
      hint: 'Pass the generator version secure-mcp.json records.',
    });
  }
  return childGenerator(root, version, temp, env);
}

/**
 * create-secure-mcp@`version` from the registry npm is configured with (run in `cwd`, so the project's
 * .npmrc counts). When the registry cannot supply it, exit 2 and nothing is written.
 */
export async function fetchedGenerator(version: string, role: GeneratorRole, temp: string, deps: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Generator> {
  const spec = `${GENERATOR_PACKAGE}@${version}`;
  const download = mkdtempSync(path.join(temp, 'fetch-'));
  let tarball: string;
  try {
    const packed = await npmPack(spec, download, deps, GENERATOR_KIND);
    if (packed.name !== GENERATOR_PACKAGE || packed.version !== version) {
      throw new CliError('USAGE', `npm pack ${spec} gave ${packed.name}@${packed.version}.`, { hint: 'Check the registry npm uses (.npmrc).' });
    }
    tarball = packed.tarball;
  } catch (error) {
    const cause = error instanceof CliError ? error.message : String(error);
    const why = role === 'base' ? `update needs create-secure-mcp ${version}, the version that made the project, to see the project as it was made` : `--to ${version}: update renders the project with that version`;
    throw new CliError('COULD_NOT_RUN', `${why}, and the registry could not supply it. ${cause}`, {
      hint:
        role === 'base'
          ? `Where no registry has it (air-gapped, a private build), pass the generator yourself: --from <folder | tarball>, e.g. npm pack ${spec} elsewhere and --from create-secure-mcp-${version}.tgz.`
          : 'Check the version (npm view create-secure-mcp versions) and your registry settings (.npmrc); without --to, update renders with the running version.',
      cause: error,
    });
  }
  const root = await prepareGenerator(tarball, spec, temp, deps.env);
  return childGenerator(root, version, temp, deps.env);
}

/** A generator package's CLI rendering a spec into a fresh folder under `temp`, read back into memory. */
function childGenerator(root: string, version: string, temp: string, env: NodeJS.ProcessEnv): Generator {
  return {
    version,
    async render(spec, preset) {
      const out = mkdtempSync(path.join(temp, 'render-'));
      const http = servesHttp(spec.transport);
      const args = [
        path.join(root, 'bin', 'create-secure-mcp.js'),
        'project',
        '--yes',
        '--no-install',
        '--no-git',
        '--name', spec.name,
        '--transport', spec.transport,
        ...(http ? ['--auth', spec.auth, '--rate-limit-store', spec.rateLimitStore] : []),
        '--storage', spec.storage,
        `--tools=${spec.tools.join(',')}`,
        '--package-manager', spec.packageManager,
        ...(preset ? ['--preset', preset.source] : []),
      ];
      try {
        // The project's Node floor, not this process's: a generator that picks its version column by the Node
        // it runs on reads this instead (older generators have one column and ignore it).
        const renderNode = { [RENDER_NODE_VERSION]: spec.nodeFloor === 22 ? 'v22.12.0' : 'v20.12.0' };
        execFileSync(process.execPath, args, { cwd: out, env: { ...env, ...renderNode, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(0, 3).join(' ');
        throw new CliError('POST_STEP', `create-secure-mcp ${version} could not render the project: ${stderr || (error as Error).message}`, {
          hint: 'Check the generator (an npm pack tarball or an unpacked package with dist/ built).',
        });
      }
      return readTree(path.join(out, 'project'));
    },
  };
}

/**
 * A generator package, ready to run, inside `temp`: a tarball is unpacked; its dependencies are the
 * running generator's own when they are the same pins (no network), else installed with npm (no scripts).
 */
async function prepareGenerator(from: string, label: string, temp: string, env: NodeJS.ProcessEnv): Promise<string> {
  let root: string;
  if (statSync(from).isDirectory()) {
    root = from;
  } else {
    root = await extractTarball(from, mkdtempSync(path.join(temp, 'generator-')), label, env, { ...GENERATOR_KIND, label });
  }
  if (!existsSync(path.join(root, 'bin', 'create-secure-mcp.js')) || !existsSync(path.join(root, 'package.json'))) {
    throw new CliError('USAGE', `${label} is not a create-secure-mcp package (no bin/create-secure-mcp.js).`, { hint: 'Pass an npm pack tarball or an unpacked create-secure-mcp package.' });
  }
  if (existsSync(path.join(root, 'node_modules'))) return root;
  if (root === from) {
    // Never write into the user's folder: run a copy.
    const copy = path.join(mkdtempSync(path.join(temp, 'copy-')), 'package');
    cpSync(from, copy, { recursive: true, verbatimSymlinks: true }); // not `cp -R`: Windows has no cp
    root = copy;
  }
  const theirs = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
  const own = ownDependencies();
  if (own && JSON.stringify(sorted(theirs)) === JSON.stringify(sorted(own.dependencies))) {
    // 'junction': on Windows a directory symlink needs admin rights or developer mode, a junction does not
    // (the type is ignored elsewhere).
    symlinkSync(own.nodeModules, path.join(root, 'node_modules'), 'junction');
    return root;
  }
  try {
    // npm through its CLI script where it can be found: Windows' npm.cmd cannot run without a shell.
    const npm = npmCommand(env);
    execFileSync(npm.command, [...npm.args, 'install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (error) {
    throw new CliError('POST_STEP', `Installing the dependencies of ${label} failed: ${String((error as { stderr?: Buffer }).stderr ?? '').split('\n')[0]}`, {
      hint: 'Check the network to the npm registry, or pass --from a folder that has node_modules.',
    });
  }
  return root;
}

/** The running generator's dependency pins and the node_modules folder they resolve from. */
function ownDependencies(): { dependencies: Record<string, string>; nodeModules: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const packageJson = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'package.json');
    const dependencies = (JSON.parse(readFileSync(packageJson, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    const handlebars = require.resolve('handlebars/package.json');
    return { dependencies, nodeModules: path.dirname(path.dirname(handlebars)) };
  } catch {
    return undefined;
  }
}

function sorted(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function readTree(root: string): FileSet {
  const files = new Map<string, Buffer>();
  const visit = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) visit(path.join(dir, entry.name), relative);
      else if (entry.isFile()) files.set(relative, readFileSync(path.join(dir, entry.name)));
    }
  };
  visit(root, '');
  return files;
}

// ---- versions ----

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function isExactVersion(version: string): boolean {
  return VERSION.test(version);
}

/** <0, 0, >0 as semver orders `a` and `b`; undefined when either is not an exact version. */
export function compareVersions(a: string, b: string): number | undefined {
  const x = VERSION.exec(a);
  const y = VERSION.exec(b);
  if (!x || !y) return undefined;
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  const [p, q] = [x[4], y[4]];
  if (p === q) return 0;
  if (p === undefined) return 1; // a release is newer than its pre-releases
  if (q === undefined) return -1;
  const left = p.split('.');
  const right = q.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const [l, r] = [left[i], right[i]];
    if (l === undefined) return -1;
    if (r === undefined) return 1;
    if (l === r) continue;
    const [ln, rn] = [/^\d+$/.test(l), /^\d+$/.test(r)];
    if (ln && rn) return Number(l) - Number(r);
    if (ln !== rn) return ln ? -1 : 1;
    return l < r ? -1 : 1;
  }
  return 0;
}
