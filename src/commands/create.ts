/**
 * `create-secure-mcp [directory]`: the steps in order — target, spec, plan, (dry run) render, write,
 * post-steps, next steps. Each step reads only what the one before produced; side effects are the
 * writer's and the post-steps', and nothing here exits the process.
 */
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../cli/argv.js';
import type { Ui } from '../cli/ui.js';
import { CliError } from '../errors.js';
import type { FeatureEnv } from '../features/types.js';
import type { Plan } from '../generate/plan-types.js';
import { planProject } from '../generate/plan.js';
import { renderPlan } from '../generate/render.js';
import { type CleanupRegistry, conflictingEntries, removeCreatedTarget, writeProject } from '../generate/write.js';
import { CATALOG, type PackageManager, servesHttp } from '../options/options.js';
import { API_KEYS_PATH, DEV_KEY_PATH } from '../features/auth-api-key.js';
import { toPackageName } from '../options/package-name.js';
import { packageManagerInfo } from '../package-managers.js';
import { type Asker, resolveSpec } from '../options/resolve.js';
import type { ProjectSpec, RunOptions } from '../options/project-spec.js';
import { applyPresetFiles } from '../presets/apply-files.js';
import { presetRecord, type Preset } from '../presets/preset-types.js';

export const DEFAULT_DIRECTORY = 'secure-mcp-server';

export interface CreateDeps {
  readonly ui: Ui;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cleanup: CleanupRegistry;
  readonly generatorVersion: string;
  readonly featureEnv: FeatureEnv;
  /** The Node.js version this runs on (process.version): picks the project's nodeFloor. */
  readonly nodeVersion: string;
  /** Present when a terminal is attached; asks the open questions. */
  readonly ask?: (Asker & { directory(defaultValue: string, validate: (value: string) => string | true): Promise<string> }) | undefined;
}

type CreateCommand = Extract<Command, { kind: 'create' }>;

export async function createProject(command: CreateCommand, deps: CreateDeps): Promise<void> {
  const ask = command.yes ? undefined : deps.ask;

  // 1. Target folder: checked before any question, so a refusal costs the user nothing.
  let directory = command.directory;
  if (directory === undefined && command.yes) directory = DEFAULT_DIRECTORY;
  if (directory === undefined && ask) {
    directory = await ask.directory(DEFAULT_DIRECTORY, (value) => {
      const problem = targetProblem(path.resolve(deps.cwd, value), command.overwrite);
      return problem ? describeProblem(problem) : true;
    });
  }
  const targetDir = directory === undefined ? undefined : path.resolve(deps.cwd, directory);
  if (targetDir !== undefined) {
    const problem = targetProblem(targetDir, command.overwrite);
    if (problem) throw targetError(targetDir, problem);
  }

  // 2. Spec, from flags, the team preset (loaded whole into memory; its locks refuse other flag values) and answers.
  const preset = command.preset === undefined ? undefined : await (await import('../presets/load-preset.js')).loadPreset(command.preset, { cwd: deps.cwd, env: deps.env });
  if (preset) deps.ui.out(describePreset(preset));
  let defaultName: string | undefined;
  if (targetDir !== undefined && command.input.name === undefined) {
    defaultName = toPackageName(path.basename(targetDir));
    if (defaultName === undefined) {
      throw new CliError('INVALID_NAME', `No valid npm package name can be made from the folder name "${path.basename(targetDir)}".`, {
        hint: 'Pass one with --name, e.g. --name my-server.',
      });
    }
  }
  const spec = await resolveSpec(command.input, {
    catalog: CATALOG,
    yes: command.yes,
    ask,
    defaultName,
    detectedPackageManager: detectPackageManager(deps.env),
    alreadyMissing: targetDir === undefined ? ['<directory>'] : [],
    preset,
    nodeVersion: deps.nodeVersion,
  });
  if (targetDir === undefined) throw new CliError('INTERNAL', 'no target directory after resolution');
  const run: RunOptions = { targetDir, install: command.install, git: command.git, overwrite: command.overwrite, dryRun: command.dryRun };

  // 3. Plan: the features' files, then the preset's replacements and extra files.
  const featureEnv: FeatureEnv = preset ? { ...deps.featureEnv, preset: presetRecord(preset) } : deps.featureEnv;
  const planned = await planProject(spec, run, featureEnv);
  const plan = preset ? applyPresetFiles(planned, preset) : planned;
  if (run.dryRun) {
    printDryRun(deps.ui, spec, run, plan);
    return;
  }

  // 4. Render, 5. write (all-or-nothing).
  const files = await renderPlan(plan, spec, deps.generatorVersion);
  const written = await writeProject(files, { targetDir, overwrite: run.overwrite, cleanup: deps.cleanup, failAfter: faultInjection(deps.env) });

  // 6. Post-steps. Interrupted, a folder this run created is removed again: Ctrl-C leaves nothing.
  const unregister = written.createdTarget ? deps.cleanup.add(() => removeCreatedTarget(targetDir)) : () => {};
  let report;
  try {
    // Loaded only when a step runs (it brings execa).
    report =
      plan.postSteps.length === 0
        ? { done: [], notes: [] }
        : await (await import('../post/run.js')).runPostSteps(plan.postSteps, { targetDir, packageManager: spec.packageManager, step: deps.ui.step });
  } finally {
    unregister();
  }

  printNextSteps(deps.ui, spec, run, deps.cwd, report.notes);
}

/** Why a folder cannot take the project: each kind maps to its own error code and hint. */
type TargetProblem =
  | { readonly kind: 'no-parent'; readonly parent: string }
  | { readonly kind: 'not-a-directory' }
  | { readonly kind: 'not-empty'; readonly entries: readonly string[] };

/** Why the folder cannot take the project, or undefined when it can. */
function targetProblem(targetDir: string, overwrite: boolean): TargetProblem | undefined {
  const parent = path.dirname(targetDir);
  if (!existsSync(parent) || !lstatSync(parent).isDirectory()) return { kind: 'no-parent', parent };
  if (existsSync(targetDir) && !lstatSync(targetDir).isDirectory()) return { kind: 'not-a-directory' };
  const entries = conflictingEntries(targetDir);
  if (entries.length > 0 && !overwrite) return { kind: 'not-empty', entries };
  return undefined;
}

function describeProblem(problem: TargetProblem): string {
  switch (problem.kind) {
    case 'no-parent':
      return `its parent folder ${problem.parent} does not exist`;
    case 'not-a-directory':
      return 'it exists and is not a directory';
    case 'not-empty': {
      const { entries } = problem;
      return `it is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? `, … (${entries.length} entries)` : ''})`;
    }
  }
}

function targetError(targetDir: string, problem: TargetProblem): CliError {
  const message = `Cannot create the project in ${targetDir}: ${describeProblem(problem)}.`;
  switch (problem.kind) {
    case 'not-empty':
      return new CliError('TARGET_NOT_EMPTY', message, {
        hint: 'Choose a new directory, or pass --overwrite to write into it (files the generator writes are replaced; others are kept).',
      });
    case 'no-parent':
      return new CliError('TARGET_INVALID', message, { hint: 'Create the parent folder first, or choose another path.' });
    case 'not-a-directory':
      return new CliError('TARGET_INVALID', message, { hint: 'Choose another directory name.' });
  }
}

function detectPackageManager(env: NodeJS.ProcessEnv): PackageManager {
  const agent = env.npm_config_user_agent ?? '';
  const name = agent.split('/')[0] ?? '';
  const known = CATALOG.packageManagers.find((pm) => pm.value === name);
  return (known?.value as PackageManager | undefined) ?? 'npm';
}

function faultInjection(env: NodeJS.ProcessEnv): { stage?: number; move?: number } | undefined {
  // Test hooks for "a failure mid-way leaves nothing": numbers only, ignored otherwise.
  const stage = Number.parseInt(env.CREATE_SECURE_MCP_FAIL_AFTER_STAGE ?? '', 10);
  const move = Number.parseInt(env.CREATE_SECURE_MCP_FAIL_AFTER_MOVE ?? '', 10);
  if (!Number.isInteger(stage) && !Number.isInteger(move)) return undefined;
  return { ...(Number.isInteger(stage) ? { stage } : {}), ...(Number.isInteger(move) ? { move } : {}) };
}

/** The one line that says which preset applies and where it came from (an npm package: name, version, integrity). */
function describePreset(preset: Preset): string {
  const { origin } = preset;
  const from =
    origin.kind === 'package'
      ? `npm package ${origin.name}@${origin.version} (${origin.how}${origin.integrity ? `, ${origin.integrity}` : ''})`
      : `${origin.kind} ${origin.path}`;
  return `Preset ${preset.name}@${preset.version} from ${from}; locked: ${preset.locked.length > 0 ? preset.locked.join(', ') : 'nothing'}.`;
}

function printDryRun(ui: Ui, spec: ProjectSpec, run: RunOptions, plan: Plan): void {
  ui.out(`Dry run: nothing is written. ${plan.files.length} files would be created in ${run.targetDir}:`);
  const fromPreset = new Set([...(plan.preset?.replaced ?? []), ...(plan.preset?.added ?? [])]);
  for (const file of plan.files) {
    ui.out(`  ${file.path}${file.secret ? '  (secret, mode 600)' : ''}${fromPreset.has(file.path) ? `  (from the preset${plan.preset?.core.includes(file.path) ? ', replaces a security core file' : ''})` : ''}`);
  }
  const pm = packageManagerInfo(spec.packageManager);
  const describe = (step: Plan['postSteps'][number]): string =>
    step === 'git' ? 'git init + first commit' : step === 'build' ? pm.run('build') : [pm.command, ...pm.install].join(' ');
  ui.out(`Then: ${plan.postSteps.length > 0 ? plan.postSteps.map(describe).join(', ') : 'nothing (--no-install --no-git)'}.`);
  ui.out(`Spec: ${JSON.stringify(spec)}`);
}

function printNextSteps(ui: Ui, spec: ProjectSpec, run: RunOptions, cwd: string, notes: readonly string[]): void {
  const { color } = ui;
  const pm = packageManagerInfo(spec.packageManager);
  const http = servesHttp(spec.transport);
  const stdio = spec.transport !== 'http';
  const relative = path.relative(cwd, run.targetDir) || '.';
  ui.out('');
  ui.out(`${color.green('✔')} Created ${color.bold(spec.name)} in ${run.targetDir}`);
  for (const note of notes) ui.out(`${color.yellow('!')} ${note}`);
  if (spec.auth === 'api-key') {
    ui.out(`${color.green('✔')} A development API key is in ${path.join(run.targetDir, DEV_KEY_PATH)} (mode 600, git-ignored); only its hash is in ${API_KEYS_PATH}.`);
  }
  ui.out('');
  ui.out(color.bold('Next steps'));
  if (relative !== '.') ui.out(`  cd ${quoteIfNeeded(relative)}`);
  // Commands padded to one column, so the comments line up whatever the manager's command lengths.
  const steps: Array<[string, string]> = [];
  if (!run.install) steps.push([`${pm.installCommand} && ${pm.run('build')}`, '']);
  if (spec.auth === 'oauth') steps.push(['set OAUTH_ISSUER (and PUBLIC_URL) in .env', 'the authorization server whose tokens you accept']);
  if (spec.rateLimitStore === 'redis') steps.push(['set REDIS_URL in .env', 'the Redis that holds shared rate limits']);
  steps.push([pm.run('test'), 'the security controls, proven']);
  if (http) steps.push([pm.run('start:http'), 'serve Streamable HTTP on http://127.0.0.1:3000/mcp']);
  if (stdio) steps.push([pm.run('start:stdio'), 'serve over stdio (what a local client launches)']);
  const width = Math.max(...steps.filter(([, comment]) => comment).map(([command]) => command.length));
  for (const [command, comment] of steps) ui.out(comment ? `  ${command.padEnd(width)}   # ${comment}` : `  ${command}`);
  ui.out('');
  ui.out(color.bold('Connect an MCP client') + color.dim(' (the mcpServers shape of Claude Desktop, IDEs and most clients)'));
  const servers: Record<string, unknown> = {};
  if (stdio) servers[spec.name] = { command: 'node', args: [path.join(run.targetDir, 'dist', 'transports', 'stdio.js')] };
  if (http) {
    const entry: Record<string, unknown> = { type: 'http', url: 'http://127.0.0.1:3000/mcp' };
    if (spec.auth === 'api-key') entry.headers = { Authorization: `Bearer <the key in ${DEV_KEY_PATH}>` };
    servers[stdio ? `${spec.name}-http` : spec.name] = entry;
  }
  ui.out(JSON.stringify({ mcpServers: servers }, null, 2));
  if (stdio) ui.out(color.dim(`The stdio entry runs node directly: \`${pm.run('start:stdio')}\` could print the package manager's own output on stdout and corrupt the protocol.`));
  if (spec.auth === 'oauth') ui.out(color.dim('OAuth clients find the authorization server through /.well-known/oauth-protected-resource/mcp.'));
  ui.out(color.dim('Secrets live in .env (git-ignored); SECURITY.md maps each control to its code and test.'));
}

function quoteIfNeeded(value: string): string {
  return /^[\w./-]+$/.test(value) ? value : JSON.stringify(value);
}
