/**
 * `create-secure-mcp update [directory]`: brings the template's changes (security fixes above all) into a
 * project made by an earlier version, copier-style. Base: the project as its recorded generator version
 * and team preset rendered it (that generator's own CLI: --from, or fetched from the registry with npm
 * pack). Theirs: the same spec (with --set, and a newer preset's locks) rendered by the target version
 * (--to, default this one) and preset. Ours: the files on disk. One decision per file
 * (src/update/merge.ts), then written all or nothing. Guards against losing work: a dirty work tree is
 * refused (the changes are left uncommitted for review, so git shows exactly what update did); secrets,
 * data, logs and lockfiles are never touched; a failure or Ctrl-C part-way puts every file back as it
 * was, and nothing is written before both renders succeeded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from '../cli/argv.js';
import type { Ui } from '../cli/ui.js';
import { CliError, EXIT } from '../errors.js';
import { readProjectManifest, type ProjectManifest } from '../generate/project-manifest.js';
import { resolveInside } from '../generate/safe-path.js';
import type { CleanupRegistry } from '../generate/write.js';
import { CATALOG, servesHttp } from '../options/options.js';
import type { ProjectSpec, SpecInput } from '../options/project-spec.js';
import { packageManagerInfo } from '../package-managers.js';
import { INPUT_FIELD } from '../presets/apply-options.js';
import { presetRecord, type Preset } from '../presets/preset-types.js';
import { compareVersions, fetchedGenerator, generatorFrom, isExactVersion, runningGenerator, type Generator, type GeneratorRole } from '../update/generators.js';
import { mergeProject } from '../update/merge.js';
import type { FileSet, MergeDecision } from '../update/merge-types.js';
import { updatePresets } from '../update/update-presets.js';

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
  const targetVersion = command.to ?? deps.generatorVersion;
  if (command.to !== undefined) checkTo(command.to, manifest.generatorVersion);
  requireCleanGitTree(projectDir);
  const presets = await updatePresets(manifest, command, deps);
  // --set and a newer preset's locks: the new spec, through create's own resolution (catalog values, option rules, the preset's locks).
  const target = Object.keys(command.set).length === 0 && !presets.moved ? manifest.spec : await changedSpec(manifest, command.set, presets.theirs?.preset);
  const specChanged = JSON.stringify(target) !== JSON.stringify(manifest.spec);

  // Base: the recorded spec and preset as the recorded version rendered them; theirs: the target spec and
  // preset as the target version renders them. Other versions run from update's temporary folder.
  const temp = mkdtempSync(path.join(os.tmpdir(), 'create-secure-mcp-update-'));
  const unregister = deps.cleanup.add(() => rmSync(temp, { recursive: true, force: true }));
  let base: FileSet;
  let theirs: FileSet;
  try {
    const generators = new Map<string, Promise<Generator>>();
    const generator = (version: string, role: GeneratorRole): Promise<Generator> => {
      let made = generators.get(version);
      if (made === undefined) {
        made = generatorAt(version, role, manifest, command, projectDir, temp, deps);
        generators.set(version, made);
      }
      return made;
    };
    theirs = await (await generator(targetVersion, 'target')).render(target, presets.theirs);
    base =
      manifest.generatorVersion === targetVersion && !specChanged && !presets.moved
        ? theirs
        : await (await generator(manifest.generatorVersion, 'base')).render(manifest.spec, presets.base);
  } finally {
    unregister();
    rmSync(temp, { recursive: true, force: true });
  }
  const ours = readOurs(projectDir, new Set([...base.keys(), ...theirs.keys()]));
  const from = `create-secure-mcp ${manifest.generatorVersion || '(unknown)'}${presets.moved && presets.base ? ` + ${presets.base.preset.name}@${presets.base.preset.version}` : ''}`;
  const to = `create-secure-mcp ${targetVersion}${presets.moved && presets.theirs ? ` + ${presets.theirs.preset.name}@${presets.theirs.preset.version}` : ''}`;
  const merged = await mergeProject(base, theirs, ours, { labels: { ours: 'yours', base: from, theirs: to } });
  // A feature that --set adds may need secret files the project never had (API keys: api-keys.json and its
  // development key). They are created as create creates them — only where no file exists; an existing
  // secret is never read into the merge or replaced.
  const decisions = merged.map((d): MergeDecision => {
    const content = theirs.get(d.path);
    if (d.action !== 'protected' || !SEEDED_SECRETS.test(d.path) || ours.has(d.path) || content === undefined) return d;
    return { path: d.path, action: 'added', content, why: 'new: the added feature needs it (generated now, mode 600)' };
  });

  const changes = decisions.filter((d) => d.action !== 'kept' && d.action !== 'protected');
  printTable(deps.ui, decisions, from, to, command.dryRun);
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
  if (changes.length === 0 && manifest.generatorVersion === targetVersion && !specChanged && !presets.moved) {
    deps.ui.out('');
    deps.ui.out(`${deps.ui.color.green('✔')} Already up to date with create-secure-mcp ${targetVersion}: nothing changed.`);
    return EXIT.ok;
  }
  const record = { ...manifest.raw, generatorVersion: targetVersion, spec: target, ...(presets.moved && presets.theirs ? { preset: presetRecord(presets.theirs.preset) } : {}) };
  applyDecisions(projectDir, changes, record, deps);

  const pm = packageManagerInfo(target.packageManager);
  deps.ui.out('');
  if (conflicts.length > 0) {
    deps.ui.out(`${deps.ui.color.yellow('!')} ${conflicts.length} file${conflicts.length === 1 ? '' : 's'} with conflicts (resolve the <<<<<<< yours / >>>>>>> markers, then review):`);
    for (const c of conflicts) deps.ui.out(`    ${c.path}${c.content === undefined ? `  (${c.why})` : ''}`);
  } else {
    deps.ui.out(`${deps.ui.color.green('✔')} Updated ${projectDir} from ${from} to ${to}: ${changes.length} file${changes.length === 1 ? '' : 's'} changed, left uncommitted for review.`);
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

/** --to: an exact version, not older than the one that made the project. */
function checkTo(to: string, recorded: string): void {
  if (!isExactVersion(to)) {
    throw new CliError('USAGE', `--to ${to}: not an exact version.`, { hint: 'Pass a released version such as 0.2.0 (no ranges or tags).' });
  }
  const order = recorded === '' ? undefined : compareVersions(to, recorded);
  if (order !== undefined && order < 0) {
    throw new CliError('USAGE', `--to ${to} is older than ${recorded}, the version that made the project: update only moves a project forward.`, {
      hint: `Pass ${recorded} or newer, or leave --to out to update to this version.`,
    });
  }
}

/** The generator of `version`: this one, the --from one (for the recorded version), or fetched from the registry. */
async function generatorAt(version: string, role: GeneratorRole, manifest: ProjectManifest, command: UpdateCommand, projectDir: string, temp: string, deps: UpdateDeps): Promise<Generator> {
  if (version === deps.generatorVersion) return runningGenerator(version);
  if (version === '') {
    throw new CliError('USAGE', 'secure-mcp.json records no generator version, so update cannot tell which generator made the project.', {
      hint: 'Restore secure-mcp.json from version control.',
    });
  }
  if (command.from !== undefined && version === manifest.generatorVersion) return generatorFrom(path.resolve(deps.cwd, command.from), version, temp, deps.env);
  return fetchedGenerator(version, role, temp, { cwd: projectDir, env: deps.env });
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
 * The recorded spec with --set and the team preset's locks applied, resolved as create resolves flags (so
 * a value the catalog lacks, an option that does not fit the others, or a --set of an option the preset
 * locks is refused). A newer preset's locked values replace the recorded ones, as create would apply them.
 * A stdio project's recorded auth and rate-limit store are placeholders: they are not carried to HTTP.
 */
async function changedSpec(manifest: ProjectManifest, set: UpdateCommand['set'], preset: Preset | undefined): Promise<ProjectSpec> {
  const old = manifest.spec;
  const locked = lockedInput(preset);
  const transport = set.transport ?? locked.transport ?? old.transport;
  const keepHttp = servesHttp(old.transport) && servesHttp(transport);
  const flags: SpecInput = {
    name: old.name,
    transport,
    storage: set.storage ?? locked.storage ?? old.storage,
    tools: set.tools !== undefined ? set.tools.split(',').map((t) => t.trim()).filter((t) => t !== '') : (locked.tools ?? old.tools),
    packageManager: locked.packageManager ?? old.packageManager,
    auth: set.auth ?? locked.auth ?? (keepHttp ? old.auth : undefined),
    rateLimitStore: set['rate-limit-store'] ?? locked.rateLimitStore ?? (keepHttp ? old.rateLimitStore : undefined),
  };
  const { resolveSpec } = await import('../options/resolve.js');
  try {
    return await resolveSpec(flags, { catalog: CATALOG, yes: true, defaultName: old.name, detectedPackageManager: old.packageManager, preset: preset ?? manifest.preset, nodeFloor: old.nodeFloor });
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const message = Object.keys(set).length > 0 ? `update --set: ${error.message.replace(/--(transport|auth|storage|tools|rate-limit-store)\b/g, '--set $1')}` : `update: ${error.message}`;
    throw new CliError(error.code, message, error.hint === undefined ? {} : { hint: error.hint });
  }
}

/** The spec fields a preset locks, with the preset's values. */
function lockedInput(preset: Preset | undefined): SpecInput {
  const input: Record<string, string | readonly string[]> = {};
  for (const key of preset?.locked ?? []) {
    const value = preset?.options[key];
    if (value !== undefined) input[INPUT_FIELD[key]] = value;
  }
  return input as SpecInput;
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

// ---- writing ----

/** Writes every decision and the manifest's new record; on any failure (or Ctrl-C) puts every file back. */
function applyDecisions(projectDir: string, changes: readonly MergeDecision[], record: Readonly<Record<string, unknown>>, deps: UpdateDeps): void {
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
    writeFileSync(resolveInside(projectDir, manifestPath), `${JSON.stringify(record, null, 2)}\n`);
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
  ui.out(`${dryRun ? 'Dry run: ' : ''}update from ${from} to ${to}`);
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
