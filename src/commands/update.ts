/**
 * `create-secure-mcp update [directory]`: brings the template's changes (security fixes above all) into a
 * project made by an earlier version, copier-style. Base: the project as its recorded generator version
 * rendered it (that generator's own CLI, from --from). Theirs: the running generator's render of the same
 * spec. Ours: the files on disk. One decision per file (src/update/merge.ts), then written all or
 * nothing. Guards against losing work: a dirty work tree is refused (the changes are left uncommitted
 * for review, so git shows exactly what update did); secrets, data, logs and lockfiles are never touched;
 * a failure or Ctrl-C part-way puts every file back as it was.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Command } from '../cli/argv.js';
import type { Ui } from '../cli/ui.js';
import { CliError, EXIT } from '../errors.js';
import { planProject } from '../generate/plan.js';
import { readProjectManifest, type ProjectManifest } from '../generate/project-manifest.js';
import { renderPlan } from '../generate/render.js';
import { resolveInside } from '../generate/safe-path.js';
import type { CleanupRegistry } from '../generate/write.js';
import { CATALOG, servesHttp } from '../options/options.js';
import type { ProjectSpec, SpecInput } from '../options/project-spec.js';
import { packageManagerInfo } from '../package-managers.js';
import { applyPresetFiles } from '../presets/apply-files.js';
import { npmCommand } from '../presets/fetch-package.js';
import type { Preset } from '../presets/preset-types.js';
import { mergeProject } from '../update/merge.js';
import type { FileSet, MergeDecision } from '../update/merge-types.js';

type UpdateCommand = Extract<Command, { kind: 'update' }>;

/** Secret files a newly added feature may need, created when absent (never replaced). */
const SEEDED_SECRETS = /^(?:api-keys\.json|\.secrets\/[^/]+)$/;

export interface UpdateDeps {
  readonly ui: Ui;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cleanup: CleanupRegistry;
  readonly generatorVersion: string;
}

export async function updateProject(command: UpdateCommand, deps: UpdateDeps): Promise<number> {
  const projectDir = path.resolve(deps.cwd, command.directory ?? '.');
  const manifest = readProjectManifest(projectDir, 'update');
  if (command.to !== undefined && command.to !== deps.generatorVersion) {
    throw new CliError('USAGE', `--to ${command.to}: this create-secure-mcp is ${deps.generatorVersion}, and update renders with the running generator.`, {
      hint: `Run that version's update instead: npx create-secure-mcp@${command.to} update`,
    });
  }
  requireCleanGitTree(projectDir);
  const preset = await presetFor(manifest, command, deps);
  // --set: the new spec, through create's own resolution (catalog values, option rules, the preset's locks).
  const target = Object.keys(command.set).length === 0 ? manifest.spec : await changedSpec(manifest, command.set);
  const specChanged = JSON.stringify(target) !== JSON.stringify(manifest.spec);

  // Base: the recorded spec as the recorded version rendered it; theirs: the target spec as this version renders it.
  const theirs = await renderHere(target, preset, deps.generatorVersion);
  const base =
    manifest.generatorVersion !== deps.generatorVersion
      ? await renderWithGenerator(manifest, command, preset, deps)
      : specChanged
        ? await renderHere(manifest.spec, preset, deps.generatorVersion)
        : theirs;
  const ours = readOurs(projectDir, new Set([...base.keys(), ...theirs.keys()]));
  const merged = await mergeProject(base, theirs, ours, { labels: { ours: 'yours', base: `create-secure-mcp ${manifest.generatorVersion || 'base'}`, theirs: `create-secure-mcp ${deps.generatorVersion}` } });
  // A feature that --set adds may need secret files the project never had (API keys: api-keys.json and its
  // development key). They are created as create creates them — only where no file exists; an existing
  // secret is never read into the merge or replaced.
  const decisions = merged.map((d): MergeDecision => {
    const content = theirs.get(d.path);
    if (d.action !== 'protected' || !SEEDED_SECRETS.test(d.path) || ours.has(d.path) || content === undefined) return d;
    return { path: d.path, action: 'added', content, why: 'new: the added feature needs it (generated now, mode 600)' };
  });

  const changes = decisions.filter((d) => d.action !== 'kept' && d.action !== 'protected');
  printTable(deps.ui, decisions, manifest.generatorVersion, deps.generatorVersion, command.dryRun);
  if (specChanged) {
    const show = (v: unknown): string => (Array.isArray(v) ? v.join(',') || '(none)' : String(v));
    const diff = (Object.keys(target) as Array<keyof ProjectSpec>).filter((k) => show(target[k]) !== show(manifest.spec[k])).map((k) => `${k} ${show(manifest.spec[k])} → ${show(target[k])}`);
    deps.ui.out(`  spec: ${diff.join('; ')}`);
  }
  const conflicts = decisions.filter((d) => d.action === 'conflict');
  if (command.dryRun) {
    deps.ui.out(`Dry run: nothing was written (${changes.length} file${changes.length === 1 ? '' : 's'} would change${conflicts.length > 0 ? `, ${conflicts.length} with conflicts` : ''}).`);
    // Exit 1 when the real run would conflict, so CI can spot an update that needs a person.
    return conflicts.length > 0 ? EXIT.user : EXIT.ok;
  }
  if (changes.length === 0 && manifest.generatorVersion === deps.generatorVersion && !specChanged) {
    deps.ui.out('');
    deps.ui.out(`${deps.ui.color.green('✔')} Already up to date with create-secure-mcp ${deps.generatorVersion}: nothing changed.`);
    return EXIT.ok;
  }
  applyDecisions(projectDir, changes, manifest, target, deps);

  const pm = packageManagerInfo(manifest.spec.packageManager);
  deps.ui.out('');
  if (conflicts.length > 0) {
    deps.ui.out(`${deps.ui.color.yellow('!')} ${conflicts.length} file${conflicts.length === 1 ? '' : 's'} with conflicts (resolve the <<<<<<< yours / >>>>>>> markers, then review):`);
    for (const c of conflicts) deps.ui.out(`    ${c.path}${c.content === undefined ? `  (${c.why})` : ''}`);
  } else {
    deps.ui.out(`${deps.ui.color.green('✔')} Updated ${projectDir} from create-secure-mcp ${manifest.generatorVersion || '(unknown)'} to ${deps.generatorVersion}: ${changes.length} file${changes.length === 1 ? '' : 's'} changed, left uncommitted for review.`);
  }
  const missing = missingVariables(theirs.get('.env.example'), projectDir);
  if (missing.length > 0) {
    deps.ui.out(`${deps.ui.color.yellow('!')} .env is never touched by update; the project now needs ${missing.join(', ')} there (see .env.example).`);
  }
  deps.ui.out('');
  deps.ui.out(deps.ui.color.bold('Next steps'));
  deps.ui.out('  git diff                      # review what the update changed');
  deps.ui.out(`  ${pm.installCommand} && ${pm.run('typecheck')} && ${pm.run('test')}`);
  return conflicts.length > 0 ? EXIT.user : EXIT.ok;
}

// ---- the project ----

function requireCleanGitTree(projectDir: string): void {
  let status: string;
  try {
    execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', '.'], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch {
    throw new CliError('TARGET_INVALID', `${projectDir} is not in a git work tree: update needs one, so that what it changes can be reviewed and undone.`, {
      hint: 'Run git init && git add -A && git commit -m "before update", then run update again.',
    });
  }
  const lines = status.split('\n').filter((line) => line.trim() !== '');
  if (lines.length > 0) {
    const first = lines.slice(0, 3).map((line) => line.slice(3)).join(', ');
    throw new CliError('TARGET_INVALID', `The work tree of ${projectDir} has uncommitted changes (${first}${lines.length > 3 ? ', …' : ''}).`, {
      hint: 'Commit or stash them first: update leaves its own changes uncommitted for review.',
    });
  }
}

/** The project's current bytes of every path the templates know (base ∪ theirs); regular files only. */
function readOurs(projectDir: string, paths: ReadonlySet<string>): FileSet {
  const ours = new Map<string, Buffer>();
  for (const relative of paths) {
    const file = resolveInside(projectDir, relative);
    let stat;
    try {
      stat = lstatSync(file);
    } catch {
      continue;
    }
    if (!stat.isFile()) {
      throw new CliError('TARGET_INVALID', `${relative} in the project is not a regular file (a link or a folder).`, { hint: 'Replace it with the file itself, then run update again.' });
    }
    ours.set(relative, readFileSync(file));
  }
  return ours;
}

// ---- the spec ----

/**
 * The recorded spec with --set applied, resolved as create resolves flags (so a value the catalog lacks,
 * an option that does not fit the others, or a change to an option the team preset locks is refused).
 * A stdio project's recorded auth and rate-limit store are placeholders: they are not carried to HTTP.
 */
async function changedSpec(manifest: ProjectManifest, set: Extract<Command, { kind: 'update' }>['set']): Promise<ProjectSpec> {
  const old = manifest.spec;
  const transport = set.transport ?? old.transport;
  const keepHttp = servesHttp(old.transport) && servesHttp(transport);
  const flags: SpecInput = {
    name: old.name,
    transport,
    storage: set.storage ?? old.storage,
    tools: set.tools !== undefined ? set.tools.split(',').map((t) => t.trim()).filter((t) => t !== '') : old.tools,
    packageManager: old.packageManager,
    auth: set.auth ?? (keepHttp ? old.auth : undefined),
    rateLimitStore: set['rate-limit-store'] ?? (keepHttp ? old.rateLimitStore : undefined),
  };
  const { resolveSpec } = await import('../options/resolve.js');
  try {
    return await resolveSpec(flags, { catalog: CATALOG, yes: true, defaultName: old.name, detectedPackageManager: old.packageManager, preset: manifest.preset });
  } catch (error) {
    if (error instanceof CliError) throw new CliError(error.code, `update --set: ${error.message.replace(/--(transport|auth|storage|tools|rate-limit-store)\b/g, '--set $1')}`, error.hint === undefined ? {} : { hint: error.hint });
    throw error;
  }
}

/** Variables the new .env.example sets (uncommented) that the project's .env lacks. Reads .env, never writes it. */
function missingVariables(example: Buffer | undefined, projectDir: string): string[] {
  if (example === undefined) return [];
  const names = (text: string): Set<string> => new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));
  let env = '';
  try {
    env = readFileSync(path.join(projectDir, '.env'), 'utf8');
  } catch {
    // no .env: every variable is missing
  }
  const have = names(env);
  return [...names(example.toString('utf8'))].filter((name) => !have.has(name));
}

// ---- the two renders ----

async function presetFor(manifest: ProjectManifest, command: UpdateCommand, deps: UpdateDeps): Promise<Preset | undefined> {
  if (manifest.preset === undefined) {
    if (command.preset !== undefined) throw new CliError('USAGE', 'This project was made without a team preset: --preset does not apply.', { hint: 'Drop --preset.' });
    return undefined;
  }
  const recorded = manifest.preset;
  if (command.preset === undefined) {
    throw new CliError('USAGE', `This project was made with the team preset ${recorded.name}@${recorded.version}: update needs it to render the project as made.`, {
      hint: `Pass --preset <the same preset> (content hash ${recorded.hash}).`,
    });
  }
  const preset = await (await import('../presets/load-preset.js')).loadPreset(command.preset, { cwd: deps.cwd, env: deps.env });
  if (preset.hash !== recorded.hash) {
    throw new CliError('USAGE', `--preset is ${preset.name}@${preset.version} (${preset.hash}), not the preset the project records (${recorded.name}@${recorded.version}, ${recorded.hash}).`, {
      hint: 'Pass the recorded preset; moving to a newer preset version is not supported by update yet.',
    });
  }
  return preset;
}

/** The running generator's render of `spec`, in memory. */
async function renderHere(spec: ProjectSpec, preset: Preset | undefined, generatorVersion: string): Promise<FileSet> {
  const env = {
    generatorVersion,
    randomBytes,
    now: new Date(),
    ...(preset ? { preset: { name: preset.name, version: preset.version, hash: preset.hash, locked: preset.locked, options: preset.options, addTool: preset.addTool } } : {}),
  };
  const planned = await planProject(spec, { install: false, git: false }, env);
  const plan = preset ? applyPresetFiles(planned, preset) : planned;
  const files = await renderPlan(plan, spec, generatorVersion);
  return new Map(files.map((f) => [f.path, f.content]));
}

/** The project as the generator that made it rendered it: that generator's own CLI (from --from), in a temporary folder. */
async function renderWithGenerator(manifest: ProjectManifest, command: UpdateCommand, preset: Preset | undefined, deps: UpdateDeps): Promise<FileSet> {
  if (command.from === undefined) {
    throw new CliError('USAGE', `This project was made by create-secure-mcp ${manifest.generatorVersion || '(unknown version)'}; this is ${deps.generatorVersion}. update needs that generator to see the project as it was made.`, {
      hint: `Pass it with --from <folder | tarball>, e.g. npm pack create-secure-mcp@${manifest.generatorVersion} and --from create-secure-mcp-${manifest.generatorVersion}.tgz.`,
    });
  }
  const temp = mkdtempSync(path.join(os.tmpdir(), 'create-secure-mcp-update-'));
  const unregister = deps.cleanup.add(() => rmSync(temp, { recursive: true, force: true }));
  try {
    const generator = prepareGenerator(path.resolve(deps.cwd, command.from), temp, deps.env);
    const version = (JSON.parse(readFileSync(path.join(generator, 'package.json'), 'utf8')) as { version?: string }).version;
    if (version !== manifest.generatorVersion) {
      throw new CliError('USAGE', `--from is create-secure-mcp ${version ?? '(no version)'}, but the project was made by ${manifest.generatorVersion || '(unknown version)'}.`, {
        hint: 'Pass the generator version secure-mcp.json records.',
      });
    }
    const out = path.join(temp, 'render');
    mkdirSync(out);
    const spec = manifest.spec;
    const http = servesHttp(spec.transport);
    const args = [
      path.join(generator, 'bin', 'create-secure-mcp.js'),
      'base',
      '--yes',
      '--no-install',
      '--no-git',
      '--name', spec.name,
      '--transport', spec.transport,
      ...(http ? ['--auth', spec.auth, '--rate-limit-store', spec.rateLimitStore] : []),
      '--storage', spec.storage,
      `--tools=${spec.tools.join(',')}`,
      '--package-manager', spec.packageManager,
      ...(preset && command.preset ? ['--preset', path.resolve(deps.cwd, command.preset)] : []),
    ];
    try {
      execFileSync(process.execPath, args, { cwd: out, env: { ...deps.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(0, 3).join(' ');
      throw new CliError('POST_STEP', `create-secure-mcp ${version} could not render the project as made: ${stderr || (error as Error).message}`, { hint: 'Check the --from generator (an npm pack tarball or an unpacked package with dist/ built).' });
    }
    return readTree(path.join(out, 'base'));
  } finally {
    unregister();
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * The --from generator, ready to run, inside `temp`: a tarball is unpacked; its dependencies are the
 * running generator's own when they are the same pins (no network), else installed with npm (no scripts).
 */
function prepareGenerator(from: string, temp: string, env: NodeJS.ProcessEnv): string {
  if (!existsSync(from)) throw new CliError('USAGE', `--from ${from} does not exist.`, { hint: 'Pass an npm pack tarball or an unpacked create-secure-mcp package.' });
  let root: string;
  if (statSync(from).isDirectory()) {
    root = from;
  } else {
    const unpacked = path.join(temp, 'generator');
    mkdirSync(unpacked);
    try {
      execFileSync('tar', ['-xzf', from, '-C', unpacked, '--no-same-owner'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } catch {
      throw new CliError('USAGE', `--from ${from} is not a tarball tar can unpack.`, { hint: 'Pass the .tgz that npm pack wrote, or an unpacked package folder.' });
    }
    root = path.join(unpacked, 'package');
  }
  if (!existsSync(path.join(root, 'bin', 'create-secure-mcp.js')) || !existsSync(path.join(root, 'package.json'))) {
    throw new CliError('USAGE', `--from ${from} is not a create-secure-mcp package (no bin/create-secure-mcp.js).`, { hint: 'Pass an npm pack tarball or an unpacked create-secure-mcp package.' });
  }
  if (existsSync(path.join(root, 'node_modules'))) return root;
  if (root === from) {
    // Never write into the user's folder: run a copy.
    const copy = path.join(temp, 'generator-copy');
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
    throw new CliError('POST_STEP', `Installing the --from generator's dependencies failed: ${String((error as { stderr?: Buffer }).stderr ?? '').split('\n')[0]}`, { hint: 'Check the network to the npm registry, or pass --from a folder that has node_modules.' });
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

// ---- writing ----

/** Writes every decision and the manifest's new version; on any failure (or Ctrl-C) puts every file back. */
function applyDecisions(projectDir: string, changes: readonly MergeDecision[], manifest: ProjectManifest, target: ProjectSpec, deps: UpdateDeps): void {
  const manifestPath = 'secure-mcp.json';
  const touched = [...changes.map((c) => c.path), manifestPath];
  const before = new Map<string, { content: Buffer; mode: number } | undefined>();
  for (const relative of touched) {
    const file = resolveInside(projectDir, relative);
    before.set(relative, existsSync(file) ? { content: readFileSync(file), mode: statSync(file).mode & 0o777 } : undefined);
  }
  const createdDirs: string[] = [];
  const restore = (): void => {
    for (const [relative, original] of before) {
      const file = resolveInside(projectDir, relative);
      try {
        if (original === undefined) rmSync(file, { force: true });
        else writeFileSync(file, original.content, { mode: original.mode });
      } catch {
        // best effort: keep restoring the rest
      }
    }
    for (const dir of createdDirs.reverse()) {
      try {
        if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    }
  };
  const unregister = deps.cleanup.add(restore);
  try {
    for (const change of changes) {
      const file = resolveInside(projectDir, change.path);
      if (change.action === 'removed') {
        unlinkSync(file);
        continue;
      }
      if (change.content === undefined) continue;
      let dir = path.dirname(file);
      const missing: string[] = [];
      while (!existsSync(dir)) {
        missing.push(dir);
        dir = path.dirname(dir);
      }
      for (const d of missing.reverse()) {
        mkdirSync(d, { mode: path.basename(d) === '.secrets' ? 0o700 : 0o755 }); // as create makes .secrets/
        createdDirs.push(d);
      }
      const mode = before.get(change.path)?.mode ?? (SEEDED_SECRETS.test(change.path) ? 0o600 : 0o644);
      writeFileSync(file, change.content, { mode });
    }
    const updated = { ...manifest.raw, generatorVersion: deps.generatorVersion, spec: target };
    writeFileSync(resolveInside(projectDir, manifestPath), `${JSON.stringify(updated, null, 2)}\n`);
  } catch (error) {
    restore();
    throw error;
  } finally {
    unregister();
  }
}

function printTable(ui: Ui, decisions: readonly MergeDecision[], from: string, to: string, dryRun: boolean): void {
  // Files the template did not change are counted, not listed: the table shows what needs a look.
  const shown = decisions.filter((d) => d.action !== 'kept' || !/did not change/.test(d.why));
  const width = Math.max(4, ...shown.map((d) => d.path.length));
  ui.out(`${dryRun ? 'Dry run: ' : ''}update from create-secure-mcp ${from || '(unknown)'} to ${to}`);
  ui.out('');
  ui.out(`  ${'file'.padEnd(width)}  ${'action'.padEnd(9)}  why`);
  for (const d of shown) {
    const action = d.action === 'conflict' ? ui.color.red(d.action.padEnd(9)) : d.action === 'kept' || d.action === 'protected' ? ui.color.dim(d.action.padEnd(9)) : ui.color.green(d.action.padEnd(9));
    ui.out(`  ${d.path.padEnd(width)}  ${action}  ${d.why}`);
  }
  const count = (action: MergeDecision['action']): number => decisions.filter((d) => d.action === action).length;
  ui.out('');
  ui.out(`  ${count('updated')} updated, ${count('merged')} merged, ${count('conflict')} conflict, ${count('kept')} kept, ${count('added')} added, ${count('removed')} removed, ${count('protected')} protected`);
}
