/**
 * argv → a typed command. Unknown flags, missing flag values and stray arguments are refused here with
 * a hint, before anything is resolved or written.
 */
import { parseArgs } from 'node:util';
import { CliError } from '../errors.js';
import type { SpecInput } from '../options/project-spec.js';

/** The project's option flags: create takes them, and preset init writes them into a preset. */
const SPEC_FLAGS = {
  name: { type: 'string' },
  transport: { type: 'string' },
  auth: { type: 'string' },
  storage: { type: 'string' },
  tools: { type: 'string' },
  'rate-limit-store': { type: 'string' },
  'package-manager': { type: 'string' },
} as const;

export const CREATE_FLAGS = {
  ...SPEC_FLAGS,
  preset: { type: 'string' },
  'no-install': { type: 'boolean' },
  'no-git': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Flags of `create-secure-mcp add tool <name>` (DESIGN.md §3). */
export const ADD_TOOL_FLAGS = {
  description: { type: 'string' },
  title: { type: 'string' },
  scopes: { type: 'string' },
  'read-only': { type: 'boolean' },
  destructive: { type: 'boolean' },
  storage: { type: 'boolean' },
  'no-storage': { type: 'boolean' },
  'rate-limit-points': { type: 'string' },
  dir: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags of `create-secure-mcp preset init [file]` (DESIGN.md §3): the option flags of create, the preset's name and its locks. */
export const PRESET_INIT_FLAGS = {
  ...SPEC_FLAGS,
  lock: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags of `create-secure-mcp check [directory]` (DESIGN.md §3). */
export const CHECK_FLAGS = {
  json: { type: 'boolean' },
  sarif: { type: 'boolean' },
  'fail-on': { type: 'string' },
  url: { type: 'string' },
  offline: { type: 'boolean' },
  'audit-key': { type: 'string' },
  preset: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags of `create-secure-mcp update [directory]` (DESIGN.md §3). */
export const UPDATE_FLAGS = {
  to: { type: 'string' },
  from: { type: 'string' },
  preset: { type: 'string' },
  'preset-from': { type: 'string' },
  set: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options `update --set key=value` may change (the create flags' names); the package manager is not one of them. */
export const UPDATE_SET_KEYS = ['transport', 'auth', 'storage', 'tools', 'rate-limit-store'] as const;
export type UpdateSetKey = (typeof UPDATE_SET_KEYS)[number];

/** Sub-commands that later releases add, reserved so they never make a folder of that name (none left). */
const RESERVED_COMMANDS: readonly string[] = [];
/** Sub-commands of this release: only as the first argument. */
const COMMANDS = ['add', 'preset', 'check', 'update'] as const;

/** What `add tool` was given; unvalidated strings (src/commands/add-tool.ts checks them). */
export interface AddToolInput {
  readonly description: string | undefined;
  readonly title: string | undefined;
  readonly scopes: readonly string[] | undefined;
  /** 'read-only' (--read-only), 'destructive' (--destructive), or undefined (neither). */
  readonly effect: 'read-only' | 'destructive' | undefined;
  /** --storage true, --no-storage false, neither undefined. */
  readonly storage: boolean | undefined;
  readonly rateLimitPoints: string | undefined;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'update-help' }
  | {
      kind: 'update';
      /** The project folder; undefined: the current one. */
      directory: string | undefined;
      /** --to: the generator version to update to (default: the running one; another is fetched with npm pack). */
      to: string | undefined;
      /** --from: the generator that made the project (folder or npm pack tarball), instead of fetching that version. */
      from: string | undefined;
      /** --preset: the team preset recorded in secure-mcp.json (same hash), or a newer version of it (same name). */
      preset: string | undefined;
      /** --preset-from: the recorded preset, when --preset is a newer one and the recorded one cannot be fetched. */
      presetFrom: string | undefined;
      /** --set key=value: spec changes, validated later like create's flags (values unvalidated here). */
      set: Readonly<Partial<Record<UpdateSetKey, string>>>;
      dryRun: boolean;
      yes: boolean;
    }
  | { kind: 'check-help' }
  | {
      kind: 'check';
      /** The project folder; undefined: the current one. */
      directory: string | undefined;
      format: 'table' | 'json' | 'sarif';
      failOn: 'warn' | 'fail';
      /** --url: a running server's MCP endpoint for the live checks. */
      url: string | undefined;
      offline: boolean;
      auditKey: string | undefined;
      /** --preset: the current team preset whose locks the project must still hold. */
      preset: string | undefined;
    }
  | { kind: 'add-tool-help' }
  | { kind: 'preset-init-help' }
  | {
      kind: 'preset-init';
      /** The file to write; undefined: preset.json in the current folder. */
      file: string | undefined;
      /** The preset's name (--name); undefined: derived from the current folder. */
      name: string | undefined;
      input: SpecInput;
      /** --lock, split; unvalidated. */
      lock: readonly string[] | undefined;
      yes: boolean;
    }
  | { kind: 'version' }
  | {
      kind: 'add-tool';
      name: string;
      input: AddToolInput;
      dir: string | undefined;
      yes: boolean;
      dryRun: boolean;
    }
  | {
      kind: 'create';
      directory: string | undefined;
      input: SpecInput;
      /** --preset: a path (file, folder, tarball) or an npm package spec; loaded by src/presets/. */
      preset: string | undefined;
      yes: boolean;
      install: boolean;
      git: boolean;
      overwrite: boolean;
      dryRun: boolean;
    };

export function parseCommand(argv: readonly string[]): Command {
  if (argv[0] === 'add') return parseAdd(argv.slice(1));
  if (argv[0] === 'preset') return parsePreset(argv.slice(1));
  if (argv[0] === 'check') return parseCheck(argv.slice(1));
  if (argv[0] === 'update') return parseUpdate(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: CREATE_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw translateParseError(error);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const first = positionals[0];
  if (first !== undefined && (COMMANDS as readonly string[]).includes(first)) {
    throw new CliError('USAGE', `"${first}" must come first: create-secure-mcp ${first === 'add' ? 'add tool <name>' : first === 'check' || first === 'update' ? `${first} [directory]` : 'preset init [file]'} [options].`, {
      hint: `To create a project in a folder named ${first}, pass ./${first}.`,
    });
  }
  if (first !== undefined && (RESERVED_COMMANDS as readonly string[]).includes(first)) {
    throw new CliError('USAGE', `"${first}" is not available in this version of create-secure-mcp.`, {
      hint: `To create a project in a folder named ${first}, pass ./${first}.`,
    });
  }
  if (positionals.length > 1) {
    throw new CliError('USAGE', `Expected one directory, got ${positionals.length} arguments: ${positionals.join(' ')}.`, {
      hint: 'Quote a path that contains spaces.',
    });
  }
  if (first !== undefined && first.trim() === '') {
    throw new CliError('USAGE', 'The directory argument is empty.', { hint: 'Pass a folder name, e.g. my-server.' });
  }

  return {
    kind: 'create',
    directory: first,
    input: { name: values.name, ...specInput(values) },
    preset: emptyToUndefined('--preset', values.preset),
    yes: values.yes === true,
    install: values['no-install'] !== true,
    git: values['no-git'] !== true,
    overwrite: values.overwrite === true,
    dryRun: values['dry-run'] === true,
  };
}

function parseAdd(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: ADD_TOOL_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw translateParseError(error, Object.keys(ADD_TOOL_FLAGS));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'add-tool-help' };
  const [what, name, ...rest] = positionals;
  if (what !== 'tool') {
    throw new CliError('USAGE', what === undefined ? 'add needs what to add: create-secure-mcp add tool <name>.' : `Cannot add "${what}": only "add tool <name>" exists.`, {
      hint: 'See create-secure-mcp add tool --help.',
    });
  }
  if (name === undefined || name.trim() === '') {
    throw new CliError('USAGE', 'add tool needs the tool name, e.g. create-secure-mcp add tool search_tickets.', { hint: 'See create-secure-mcp add tool --help.' });
  }
  if (rest.length > 0) {
    throw new CliError('USAGE', `add tool takes one name, got ${positionals.length - 1}: ${positionals.slice(1).join(' ')}.`, { hint: 'Pass the other values as flags; see --help.' });
  }
  if (values['read-only'] && values.destructive) {
    throw new CliError('USAGE', '--read-only and --destructive exclude each other.', { hint: 'Pass one of them.' });
  }
  if (values.storage && values['no-storage']) {
    throw new CliError('USAGE', '--storage and --no-storage exclude each other.', { hint: 'Pass one of them.' });
  }
  return {
    kind: 'add-tool',
    name,
    input: {
      description: values.description,
      title: values.title,
      scopes: values.scopes === undefined ? undefined : splitList(values.scopes),
      effect: values['read-only'] ? 'read-only' : values.destructive ? 'destructive' : undefined,
      storage: values.storage ? true : values['no-storage'] ? false : undefined,
      rateLimitPoints: values['rate-limit-points'],
    },
    dir: values.dir,
    yes: values.yes === true,
    dryRun: values['dry-run'] === true,
  };
}

function parsePreset(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: PRESET_INIT_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw translateParseError(error, Object.keys(PRESET_INIT_FLAGS));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'preset-init-help' };
  const [what, file, ...rest] = positionals;
  if (what !== 'init') {
    throw new CliError('USAGE', what === undefined ? 'preset needs what to do: create-secure-mcp preset init [file].' : `Unknown preset command "${what}": only "preset init [file]" exists.`, {
      hint: 'See create-secure-mcp preset init --help. To create a project in a folder named preset, pass ./preset.',
    });
  }
  if (rest.length > 0) {
    throw new CliError('USAGE', `preset init takes one file, got ${positionals.length - 1}: ${positionals.slice(1).join(' ')}.`, { hint: 'Quote a path that contains spaces.' });
  }
  return {
    kind: 'preset-init',
    file: emptyToUndefined('the file argument', file),
    name: values.name,
    input: specInput(values),
    lock: values.lock === undefined ? undefined : splitList(values.lock),
    yes: values.yes === true,
  };
}

function parseUpdate(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: UPDATE_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw translateParseError(error, Object.keys(UPDATE_FLAGS));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'update-help' };
  if (positionals.length > 1) {
    throw new CliError('USAGE', `update takes one directory, got ${positionals.length}: ${positionals.join(' ')}.`, { hint: 'Quote a path that contains spaces.' });
  }
  const set: Partial<Record<UpdateSetKey, string>> = {};
  for (const entry of values.set ?? []) {
    const at = entry.indexOf('=');
    const key = at === -1 ? entry : entry.slice(0, at);
    if (at === -1 || !(UPDATE_SET_KEYS as readonly string[]).includes(key)) {
      throw new CliError('USAGE', at === -1 ? `--set ${entry}: expected key=value.` : `--set ${key}: not an option update can change.`, {
        hint: `Write --set <key>=<value> with a key from: ${UPDATE_SET_KEYS.join(', ')} (e.g. --set transport=both).`,
      });
    }
    if (set[key as UpdateSetKey] !== undefined) throw new CliError('USAGE', `--set ${key} is given twice.`, { hint: 'Give each option once.' });
    set[key as UpdateSetKey] = entry.slice(at + 1);
  }
  return {
    kind: 'update',
    directory: positionals[0],
    set,
    to: emptyToUndefined('--to', values.to),
    from: emptyToUndefined('--from', values.from),
    preset: emptyToUndefined('--preset', values.preset),
    presetFrom: emptyToUndefined('--preset-from', values['preset-from']),
    dryRun: values['dry-run'] === true,
    yes: values.yes === true,
  };
}

/** check's own errors exit 2 ("could not run"), so CI can tell a bad invocation from findings (exit 1). */
function parseCheck(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: CHECK_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    const usage = translateParseError(error, Object.keys(CHECK_FLAGS));
    throw new CliError('COULD_NOT_RUN', usage.message, { hint: usage.hint ?? 'See create-secure-mcp check --help.' });
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'check-help' };
  const refuse = (message: string, hint: string): never => {
    throw new CliError('COULD_NOT_RUN', message, { hint });
  };
  if (positionals.length > 1) refuse(`check takes one directory, got ${positionals.length}: ${positionals.join(' ')}.`, 'Quote a path that contains spaces.');
  if (values.json && values.sarif) refuse('--json and --sarif exclude each other.', 'Pass one of them.');
  const failOn = values['fail-on'] ?? 'fail';
  if (failOn !== 'warn' && failOn !== 'fail') refuse(`Unknown value "${failOn}" for --fail-on.`, 'Choose warn or fail.');
  if (values['audit-key'] !== undefined && values['audit-key'].trim() === '') refuse('--audit-key is empty.', 'Pass the key, or leave the flag out (AUDIT_HMAC_KEY or the project\'s .env is used).');
  return {
    kind: 'check',
    directory: positionals[0],
    format: values.json ? 'json' : values.sarif ? 'sarif' : 'table',
    failOn: failOn as 'warn' | 'fail',
    url: values.url,
    offline: values.offline === true,
    auditKey: values['audit-key'],
    preset: values.preset,
  };
}

function emptyToUndefined(what: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new CliError('USAGE', `${what} is empty.`, { hint: 'Pass a path or a package name.' });
  return value;
}

/** The option flags' values as SpecInput (the name aside: preset init's --name names the preset). */
function specInput(values: { transport?: string; auth?: string; storage?: string; tools?: string; 'rate-limit-store'?: string; 'package-manager'?: string }): SpecInput {
  return {
    transport: values.transport,
    auth: values.auth,
    storage: values.storage,
    tools: values.tools === undefined ? undefined : splitList(values.tools),
    rateLimitStore: values['rate-limit-store'],
    packageManager: values['package-manager'],
  };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function translateParseError(error: unknown, flags: readonly string[] = Object.keys(CREATE_FLAGS)): CliError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    const suggestion = closestFlag(flag, flags);
    return new CliError('USAGE', `Unknown option ${flag}.`, {
      hint: suggestion ? `Did you mean --${suggestion}? See --help.` : 'See --help for the options.',
    });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(-[^' ]+)/.exec(message)?.[1];
    return new CliError('USAGE', flag ? `Option ${flag} needs a value.` : message.split('\n')[0] ?? message, {
      hint: 'Write it as --flag value or --flag=value; see --help.',
    });
  }
  return new CliError('USAGE', message.split('\n')[0] ?? message, { hint: 'See --help.' });
}

function closestFlag(given: string, flags: readonly string[]): string | undefined {
  const bare = given.replace(/^-+/, '').split('=')[0] ?? '';
  let best: { flag: string; distance: number } | undefined;
  for (const flag of flags) {
    const distance = editDistance(bare, flag);
    if (distance <= 2 && (!best || distance < best.distance)) best = { flag, distance };
  }
  return best?.flag;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}
