/**
 * `create-secure-mcp add tool <name>`: adds one tool to a generated project. The steps in order —
 * project (secure-mcp.json), name, given values, open values (flags → --yes defaults → questions; without
 * a TTY every missing flag is named in one error), the changes (two new files rendered from
 * templates/add-tool/ or the project's overrides in .secure-mcp/templates/, and edits of
 * src/tools/index.ts, README.md and SECURITY.md at their markers), then (dry run) print or apply, all or
 * nothing (src/generate/apply-changes.ts, which alone loads node-plop). Every refusal happens before a
 * byte is written. Nothing here exits the process.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddToolInput, Command } from '../cli/argv.js';
import type { Ui } from '../cli/ui.js';
import { CliError } from '../errors.js';
import type { ProjectChange } from '../generate/apply-changes.js';
import { createRenderer } from '../generate/render.js';
import { README_TOOL_ROWS_MARKER, TOOL_IMPORTS_MARKER, TOOL_LIST_MARKER } from '../generate/shared-files.js';
import type { CleanupRegistry } from '../generate/write.js';
import { TEMPLATES_DIR } from '../generate/templates-dir.js';
import { CATALOG } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';
import { MAX_RATE_LIMIT_POINTS, readProjectManifest } from '../generate/project-manifest.js';
import type { SelectQuestion } from '../options/resolve.js';
import { packageManagerInfo } from '../package-managers.js';
import type { AddToolDefaults } from '../presets/preset-types.js';

export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const SCOPE_PATTERN = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/;
export const LIMITS = Object.freeze({ title: 100, descriptionMin: 11, description: 500, scopes: 8, rateLimitPoints: MAX_RATE_LIMIT_POINTS });
/** Where a project keeps its own templates for `add tool` (same helpers, same strictness). */
export const OVERRIDES_DIR = '.secure-mcp/templates';

export interface TextQuestion {
  readonly key: string;
  readonly message: string;
  readonly default: string;
  readonly validate: (value: string) => string | true;
}

/** Asks `add tool`'s questions (inquirer in src/cli/prompts.ts); absent when nothing may be asked. */
export interface AddToolAsker {
  select(question: SelectQuestion): Promise<string>;
  text(question: TextQuestion): Promise<string>;
}

export interface AddToolDeps {
  readonly ui: Ui;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cleanup: CleanupRegistry;
  readonly ask?: AddToolAsker | undefined;
}

type AddToolCommand = Extract<Command, { kind: 'add-tool' }>;

/** Everything the templates know about the new tool. */
export interface ToolSpec {
  readonly name: string;
  /** The exported constant: camelCase name + `Tool` (never a reserved word). */
  readonly exportName: string;
  /** UPPER_SNAKE name, for the limits constant. */
  readonly constName: string;
  readonly title: string;
  readonly description: string;
  readonly scopes: readonly string[];
  /** The scopes as LOCAL_SCOPES takes them (space-separated). */
  readonly scopesText: string;
  readonly readOnly: boolean;
  readonly destructive: boolean;
  readonly idempotent: boolean;
  readonly storage: boolean;
  /** Its own per-(principal, tool) budget, or null for RATE_LIMIT_POINTS. */
  readonly rateLimitPoints: number | null;
}

export async function addTool(command: AddToolCommand, deps: AddToolDeps): Promise<void> {
  const ask = command.yes ? undefined : deps.ask;
  const projectDir = path.resolve(deps.cwd, command.dir ?? '.');
  const { spec, addTool: defaults } = readProjectManifest(projectDir, 'add tool');

  // Name and given values first: a refusal costs no question.
  checkName(command.name, projectDir);
  const given = checkGiven(command.input, spec);
  const tool = await resolveTool(command.name, given, spec, { yes: command.yes, ask, defaults });

  const changes = await planChanges(projectDir, spec, tool);
  const pm = packageManagerInfo(spec.packageManager);
  if (command.dryRun) {
    deps.ui.out(`Dry run: nothing is written. add tool ${tool.name} in ${projectDir} would:`);
    for (const change of changes) deps.ui.out(`  ${change.kind === 'add' ? 'add   ' : 'modify'}  ${change.path}  (${change.why})`);
    deps.ui.out(`Tool: ${JSON.stringify(tool)}`);
    return;
  }
  const { applyChanges } = await import('../generate/apply-changes.js');
  await applyChanges(changes, { projectDir, cleanup: deps.cleanup, failAfter: testHook(deps.env, 'CREATE_SECURE_MCP_FAIL_AFTER_MOVE'), pauseAfter: testHook(deps.env, 'CREATE_SECURE_MCP_PAUSE_AFTER_MOVE') });

  const { color } = deps.ui;
  deps.ui.out(`${color.green('✔')} Added the tool ${color.bold(tool.name)} to ${projectDir}`);
  for (const change of changes) deps.ui.out(`  ${change.kind === 'add' ? 'added   ' : 'modified'}  ${change.path}`);
  deps.ui.out('');
  deps.ui.out(color.bold('Next steps'));
  deps.ui.out(`  write the handler in src/tools/${tool.name}.ts, then: ${pm.run('typecheck')} && ${pm.run('test')}`);
}

// ---- the project ----

/** Tool names the project already has: `name: '…'` in src/tools/*.ts, plus every catalog name. */
function existingToolNames(projectDir: string): Set<string> {
  const names = new Set<string>(['whoami', ...CATALOG.tools.flatMap((t) => t.mcpTools)]);
  const dir = path.join(projectDir, 'src', 'tools');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  } catch {
    // no src/tools: index.ts is missing too, refused when planning
  }
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(/\bname:\s*['"`]([^'"`\n]{1,100})['"`]/g)) names.add(match[1] as string);
  }
  return names;
}

function checkName(name: string, projectDir: string): void {
  const hint = 'Use snake_case: a lowercase letter, then lowercase letters, digits or _ (at most 64 characters), e.g. search_tickets.';
  if (/[/\\.\0]/.test(name) || name.includes('..')) {
    throw new CliError('INVALID_NAME', `Invalid tool name ${JSON.stringify(name)}: it contains path characters.`, { hint });
  }
  if (name.length > 64) throw new CliError('INVALID_NAME', `Invalid tool name: ${name.length} characters, at most 64.`, { hint });
  if (!TOOL_NAME_PATTERN.test(name)) throw new CliError('INVALID_NAME', `Invalid tool name ${JSON.stringify(name)}: not snake_case.`, { hint });
  if (existingToolNames(projectDir).has(name)) {
    throw new CliError('INVALID_NAME', `The tool ${name} already exists (in src/tools/ or the create-secure-mcp catalog).`, { hint: 'Choose another name.' });
  }
  for (const file of [`src/tools/${name}.ts`, `test/tools/${name}.test.ts`]) {
    if (existsSync(path.join(projectDir, ...file.split('/')))) {
      throw new CliError('INVALID_NAME', `${file} already exists: add tool never overwrites a file.`, { hint: 'Choose another name, or move the file away.' });
    }
  }
}

// ---- values ----

interface GivenValues {
  readonly description: string | undefined;
  readonly title: string | undefined;
  readonly scopes: readonly string[] | undefined;
  readonly effect: 'read-only' | 'destructive' | undefined;
  readonly storage: boolean | undefined;
  readonly rateLimitPoints: number | null | undefined;
}

function titleProblem(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty';
  if (value.length > LIMITS.title) return `is ${value.length} characters, at most ${LIMITS.title}`;
  if (/\p{Cc}/u.test(value)) return 'must not contain control characters or line breaks';
  return undefined;
}

function descriptionProblem(value: string): string | undefined {
  if (value.trim().length < LIMITS.descriptionMin) return `must say what the tool does in at least ${LIMITS.descriptionMin} characters`;
  if (value.length > LIMITS.description) return `is ${value.length} characters, at most ${LIMITS.description}`;
  if (/\p{Cc}/u.test(value)) return 'must not contain control characters or line breaks';
  return undefined;
}

function scopesProblem(scopes: readonly string[]): string | undefined {
  if (scopes.length === 0) return 'list no scope (a tool added this way declares at least one)';
  if (scopes.length > LIMITS.scopes) return `list ${scopes.length} scopes, at most ${LIMITS.scopes}`;
  const bad = scopes.find((s) => !SCOPE_PATTERN.test(s));
  return bad === undefined ? undefined : `hold ${JSON.stringify(bad)}, which is not <resource>:<action> (lowercase, e.g. tickets:read)`;
}

function rateProblem(value: string): string | undefined {
  const n = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(n) && n >= 1 && n <= LIMITS.rateLimitPoints ? undefined : `must be a whole number from 1 to ${LIMITS.rateLimitPoints}`;
}

function checkGiven(input: AddToolInput, spec: ProjectSpec): GivenValues {
  const refuse = (flag: string, problem: string, hint: string): never => {
    throw new CliError('USAGE', `${flag} ${problem}.`, { hint });
  };
  if (input.title !== undefined) {
    const problem = titleProblem(input.title);
    if (problem) refuse('--title', problem, 'A short human-readable name, e.g. --title "Search tickets".');
  }
  if (input.description !== undefined) {
    const problem = descriptionProblem(input.description);
    if (problem) refuse('--description', problem, 'Fixed text for the model: what the tool does and returns, on one line.');
  }
  let scopes: string[] | undefined;
  if (input.scopes !== undefined) {
    scopes = [...new Set(input.scopes)];
    const problem = scopesProblem(scopes);
    if (problem) refuse('--scopes', problem, 'Pass a comma list of <resource>:<action>, e.g. --scopes tickets:read,tickets:write.');
  }
  let rateLimitPoints: number | undefined;
  if (input.rateLimitPoints !== undefined) {
    const problem = rateProblem(input.rateLimitPoints);
    if (problem) refuse('--rate-limit-points', problem, 'Calls per principal and window for this tool; leave it out for RATE_LIMIT_POINTS.');
    rateLimitPoints = Number(input.rateLimitPoints);
  }
  if (input.storage === true && spec.storage === 'none') {
    throw new CliError('USAGE', '--storage does not apply: this project was generated with --storage none and has no database.', {
      hint: 'Drop --storage (or pass --no-storage); a database is chosen when the project is created.',
    });
  }
  return { description: input.description, title: input.title, scopes, effect: input.effect, storage: input.storage, rateLimitPoints };
}

/** "search_tickets" → "Search tickets". */
export function titleFromName(name: string): string {
  const words = name.split('_').filter((w) => w !== '');
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The default scope: `<resource>:read` for a read-only tool, `<resource>:write` for a destructive one,
 * where the resource is the name's last `_`-separated word (search_tickets → tickets:read, like the
 * catalog's list_files → files:read), or the whole name when that word does not start with a letter.
 */
export function defaultScope(name: string, effect: 'read-only' | 'destructive', prefix?: string): string {
  const last = name.split('_').filter((w) => w !== '').at(-1) ?? name;
  const resource = /^[a-z][a-z0-9]*$/.test(last) ? last : name;
  return `${prefix === undefined ? '' : `${prefix}-`}${resource}:${effect === 'read-only' ? 'read' : 'write'}`;
}

export function defaultDescription(name: string, effect: 'read-only' | 'destructive'): string {
  return `${titleFromName(name)}. ${effect === 'read-only' ? 'Reads data and changes nothing.' : 'May delete or overwrite data.'}`;
}

function camel(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/_+$/, '');
}

async function resolveTool(name: string, given: GivenValues, spec: ProjectSpec, ctx: { yes: boolean; ask: AddToolAsker | undefined; defaults: AddToolDefaults }): Promise<ToolSpec> {
  const missing: string[] = [];
  const { ask } = ctx;
  const validator = (problem: (v: string) => string | undefined) => (v: string) => problem(v) ?? true;

  let effect = given.effect;
  if (effect === undefined) {
    if (ctx.yes) effect = 'read-only';
    else if (ask) {
      effect = (await ask.select({
        key: 'effect',
        message: 'What does the tool do to data?',
        default: 'read-only',
        choices: [
          { value: 'read-only', label: 'reads only', hint: 'readOnlyHint: true; the default scope ends in :read' },
          { value: 'destructive', label: 'may delete or overwrite', hint: 'destructiveHint: true; the default scope ends in :write' },
        ],
      })) as 'read-only' | 'destructive';
    } else missing.push('--read-only or --destructive');
  }
  const decided = effect ?? 'read-only';

  let storage = given.storage;
  if (spec.storage === 'none') storage = false;
  else if (storage === undefined) {
    if (ctx.yes) storage = false;
    else if (ask) {
      storage = (await ask.select({
        key: 'storage',
        message: `Does the tool use the project's database (${spec.storage})?`,
        default: 'no',
        choices: [
          { value: 'no', label: 'no', hint: '' },
          { value: 'yes', label: 'yes', hint: 'a handler with ctx.resources.storage.db (Kysely, bound values, rows of the caller)' },
        ],
      })) === 'yes';
    } else missing.push('--storage or --no-storage');
  }

  const text = async (key: string, flag: string, value: string | undefined, message: string, fallback: string, problem: (v: string) => string | undefined): Promise<string> => {
    if (value !== undefined) return value;
    if (ctx.yes) return fallback;
    if (ask) return ask.text({ key, message, default: fallback, validate: validator(problem) });
    missing.push(flag);
    return fallback;
  };
  const title = await text('title', '--title', given.title, 'Title (for people):', titleFromName(name), titleProblem);
  const description = await text('description', '--description', given.description, 'Description (fixed text the model reads):', defaultDescription(name, decided), descriptionProblem);
  let scopes = given.scopes;
  if (scopes === undefined) {
    const answer = await text('scopes', '--scopes', undefined, 'Scopes a caller must hold (comma list of <resource>:<action>):', defaultScope(name, decided, ctx.defaults.scopePrefix), (v) =>
      scopesProblem(v.split(',').map((s) => s.trim()).filter((s) => s !== '')),
    );
    scopes = [...new Set(answer.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  }
  let rateLimitPoints = given.rateLimitPoints;
  const presetPoints = ctx.defaults.rateLimitPoints;
  if (rateLimitPoints === undefined && ask) {
    const answer = await ask.text({
      key: 'rateLimitPoints',
      message: 'Its own rate budget (calls per principal and window; empty = RATE_LIMIT_POINTS):',
      default: presetPoints === undefined ? '' : String(presetPoints),
      validate: (v) => (v.trim() === '' ? true : (rateProblem(v.trim()) ?? true)),
    });
    rateLimitPoints = answer.trim() === '' ? null : Number(answer.trim());
  }

  if (missing.length > 0) {
    throw new CliError('MISSING_VALUES', `Cannot ask questions without a terminal; still needed: ${missing.join(', ')}.`, {
      hint: 'Pass them as flags, or add --yes to take the defaults (see create-secure-mcp add tool --help).',
    });
  }
  const exportName = `${camel(name)}Tool`;
  return Object.freeze({
    name,
    exportName,
    constName: name.toUpperCase().replace(/_+$/, ''),
    title: title.trim(),
    description: description.trim(),
    scopes: Object.freeze([...scopes]),
    scopesText: scopes.join(' '),
    readOnly: decided === 'read-only',
    destructive: decided === 'destructive',
    // Reading twice changes nothing; a destructive tool is not assumed repeatable: set it true in the
    // file if repeating a call has no further effect.
    idempotent: decided === 'read-only',
    storage: storage === true,
    // Not given and not asked: the team preset's default budget, else RATE_LIMIT_POINTS.
    rateLimitPoints: rateLimitPoints === undefined ? (presetPoints ?? null) : rateLimitPoints,
  });
}

// ---- the changes ----

function readText(projectDir: string, relative: string): Buffer | undefined {
  const file = path.join(projectDir, ...relative.split('/'));
  if (!existsSync(file)) return undefined;
  const stat = lstatSync(file);
  if (!stat.isFile()) throw new CliError('TARGET_INVALID', `${relative} is not a regular file.`, { hint: 'Replace the link or folder with the file itself.' });
  return readFileSync(file);
}

/** `text` with `insert` (whole lines) above the one line that is `marker` (whitespace aside); undefined without exactly one. */
function insertAboveMarker(text: string, marker: string, insert: string): string | undefined {
  const lines = text.split('\n');
  const at = lines.flatMap((line, i) => (line.trim() === marker ? [i] : []));
  if (at.length !== 1) return undefined;
  const index = at[0] as number;
  lines.splice(index, 0, ...insert.split('\n'));
  return lines.join('\n');
}

/** A Markdown table cell: `|` escaped, so a description cannot open a column. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

async function planChanges(projectDir: string, spec: ProjectSpec, tool: ToolSpec): Promise<ProjectChange[]> {
  const changes: ProjectChange[] = [];
  const refuseMarkers = (file: string, markers: readonly string[]): never => {
    throw new CliError('TARGET_INVALID', `${file} lacks the marker line${markers.length > 1 ? 's' : ''} add tool inserts at (${markers.map((m) => JSON.stringify(m)).join(', ')}), or has it more than once.`, {
      hint: `Put ${markers.length > 1 ? 'each line once' : 'the line once'} where new entries belong (as a project generated by this version has), then run again.`,
    });
  };

  // src/tools/index.ts: the import above the first marker, the list entry above the second.
  const indexPath = 'src/tools/index.ts';
  const index = readText(projectDir, indexPath);
  if (index === undefined) throw new CliError('TARGET_INVALID', `${indexPath} is missing.`, { hint: 'Restore it: the project lists its tools there.' });
  const withImport = insertAboveMarker(index.toString('utf8'), TOOL_IMPORTS_MARKER, `import { ${tool.exportName} } from './${tool.name}.js';`);
  const withEntry = withImport === undefined ? undefined : insertAboveMarker(withImport, TOOL_LIST_MARKER, `    ${tool.exportName},`);
  if (withEntry === undefined) refuseMarkers(indexPath, [TOOL_IMPORTS_MARKER, TOOL_LIST_MARKER]);

  // README.md: a row of the tool table. A README without the marker (the team's own, from a preset, or
  // one rewritten by hand) has no generated table to extend: it is left alone. Twice is ambiguous: refused.
  const readme = readText(projectDir, 'README.md');
  let readmeText: string | undefined;
  const readmeMarkers = readme === undefined ? 0 : readme.toString('utf8').split('\n').filter((line) => line.trim() === README_TOOL_ROWS_MARKER).length;
  if (readme !== undefined && readmeMarkers > 0) {
    const row = `| \`${tool.name}\` | ${cell(tool.description)} | ${tool.scopes.map((s) => `\`${s}\``).join(', ')} |`;
    readmeText = insertAboveMarker(readme.toString('utf8'), README_TOOL_ROWS_MARKER, row);
    if (readmeText === undefined) refuseMarkers('README.md', [README_TOOL_ROWS_MARKER]);
  }

  // SECURITY.md: the summary's tool list (`- **Tools:** `whoami`, … .`), when it is there as generated.
  const security = readText(projectDir, 'SECURITY.md');
  let securityText: string | undefined;
  if (security !== undefined) {
    const text = security.toString('utf8');
    const lines = [...text.matchAll(/^- \*\*Tools:\*\* (.*)\.$/gm)];
    if (lines.length === 1) securityText = text.replace(/^(- \*\*Tools:\*\* .*)\.$/m, (_m, list: string) => `${list}, \`${tool.name}\`.`);
  }

  // The two new files, from the project's overrides when present, else the packaged templates.
  const render = await createRenderer(spec);
  const data = { name: spec.name, spec, tool };
  for (const [template, destination, why] of [
    ['tool.ts.hbs', `src/tools/${tool.name}.ts`, 'the tool'],
    ['tool.test.ts.hbs', `test/tools/${tool.name}.test.ts`, 'its test'],
  ] as const) {
    const override = path.join(projectDir, ...OVERRIDES_DIR.split('/'), template);
    const useOverride = existsSync(override);
    const file = useOverride ? override : path.join(TEMPLATES_DIR, 'add-tool', template);
    let content: string;
    try {
      content = render(file, readFileSync(file, 'utf8'), data, useOverride ? `${OVERRIDES_DIR}/${template}` : `add-tool/${template}`);
    } catch (error) {
      if (!useOverride) throw error;
      throw new CliError('USAGE', `The project's template ${OVERRIDES_DIR}/${template} failed to render: ${(error as Error).message.split('\n')[0] ?? ''}`, {
        hint: 'Templates are strict: use only the fields the packaged templates use (name, spec, tool.*), and the same helpers.',
        cause: error,
      });
    }
    changes.push({ kind: 'add', path: destination, content: Buffer.from(content, 'utf8'), why: useOverride ? `${why}, from ${OVERRIDES_DIR}/${template}` : why });
  }

  changes.push({ kind: 'modify', path: indexPath, content: Buffer.from(withEntry as string, 'utf8'), original: index, why: 'import and list entry' });
  if (readme !== undefined && readmeText !== undefined) changes.push({ kind: 'modify', path: 'README.md', content: Buffer.from(readmeText, 'utf8'), original: readme, why: 'a row of the tool table' });
  if (security !== undefined && securityText !== undefined) changes.push({ kind: 'modify', path: 'SECURITY.md', content: Buffer.from(securityText, 'utf8'), original: security, why: 'the tool list of the summary' });
  return changes;
}

function testHook(env: NodeJS.ProcessEnv, name: string): number | undefined {
  // Test hooks for "a failure or an interrupt mid-way leaves the project as it was": numbers only, ignored otherwise.
  const after = Number.parseInt(env[name] ?? '', 10);
  return Number.isInteger(after) ? after : undefined;
}
