/**
 * Flags, preset and answers → one validated ProjectSpec. Each value comes from the first of: a flag,
 * the preset, the only choice there is, the default (under --yes), a question (when interactive).
 * Without a TTY and without --yes nothing is asked: every value still open is reported in one error
 * that names its flag. Pure apart from the injected Asker, so tests drive it with a scripted one.
 */
import { CliError } from '../errors.js';
import {
  type Catalog,
  type Choice,
  PREFERRED_DEFAULTS,
  pickDefault,
  servesHttp,
} from './options.js';
import { packageNameProblem } from './package-name.js';
import { applyPresetOptions, type PresetChoices } from '../presets/apply-options.js';
import type { ProjectSpec, SpecInput } from './project-spec.js';
import { nodeFloorFor, type NodeFloor } from '../project-versions.js';

export interface SelectQuestion {
  readonly key: string;
  readonly message: string;
  readonly choices: readonly Choice[];
  readonly default: string;
}

export interface MultiSelectQuestion {
  readonly key: string;
  readonly message: string;
  readonly choices: readonly Choice[];
  readonly default: readonly string[];
}

/** Asks questions. Implemented with inquirer in src/cli/prompts.ts; absent when nothing may be asked. */
export interface Asker {
  select(question: SelectQuestion): Promise<string>;
  multiselect(question: MultiSelectQuestion): Promise<string[]>;
}

export interface ResolveContext {
  readonly catalog: Catalog;
  /** --yes: take the default for every open value. */
  readonly yes: boolean;
  /** Present only when questions may be asked (a TTY and no --yes). */
  readonly ask?: Asker | undefined;
  /** Package name derived from the target folder, used when --name is not given; undefined while the folder is open. */
  readonly defaultName: string | undefined;
  /** The package manager that ran us (npm_config_user_agent), else npm. */
  readonly detectedPackageManager: string;
  /** Values already known to be missing (the positional directory), reported with the others. */
  readonly alreadyMissing?: readonly string[];
  /** A team preset: its options are taken as given (never asked); its locked options refuse other flag values. */
  readonly preset?: PresetChoices | undefined;
  /**
   * The Node.js version the generator runs on (`process.version`), read once at the edge: it picks the
   * project's nodeFloor (nodeFloorFor). Absent, this process's own version is used.
   */
  readonly nodeVersion?: string | undefined;
  /** The floor an existing project already has (update): kept, whatever Node runs the update. */
  readonly nodeFloor?: NodeFloor | undefined;
}

const QUESTIONS = {
  transport: 'How will clients reach the server?',
  auth: 'How do HTTP clients authenticate?',
  storage: 'Which database should the server use?',
  tools: 'Which tools should the server start with?',
  rateLimitStore: 'Where are rate-limit counters kept?',
} as const;

export async function resolveSpec(flags: SpecInput, ctx: ResolveContext): Promise<ProjectSpec> {
  const { catalog } = ctx;
  // `flags` is what the command line said; `input` adds the preset's values (flags win unless locked).
  const input = applyPresetOptions(flags, ctx.preset);
  const missing: string[] = [...(ctx.alreadyMissing ?? [])];

  // Every given value is checked against the catalog before anything is asked.
  checkChoice('--transport', input.transport, catalog.transports);
  checkChoice('--auth', input.auth, catalog.auths);
  checkChoice('--storage', input.storage, catalog.storages);
  checkChoice('--rate-limit-store', input.rateLimitStore, catalog.rateLimitStores);
  checkChoice('--package-manager', input.packageManager, catalog.packageManagers);
  for (const tool of input.tools ?? []) checkChoice('--tools', tool, catalog.tools);

  const name = input.name ?? ctx.defaultName;
  if (input.name !== undefined) {
    const problem = packageNameProblem(input.name);
    if (problem) {
      throw new CliError('INVALID_NAME', `Invalid package name "${input.name}": ${problem}.`, {
        hint: 'Use lowercase letters, digits, "-", "." or "_" (not first), optionally as @scope/name.',
      });
    }
  }
  // name is undefined only while the directory is still open: that is already reported as missing.

  async function decide(key: keyof typeof QUESTIONS, flag: string, given: string | undefined, choices: readonly Choice[], preferred: readonly string[]): Promise<string> {
    if (given !== undefined) return given;
    const fallback = pickDefault(choices, preferred);
    if (choices.length === 1 || ctx.yes) return fallback;
    if (ctx.ask) return ctx.ask.select({ key, message: QUESTIONS[key], choices, default: fallback });
    missing.push(flag);
    return fallback;
  }

  const transport = await decide('transport', '--transport', input.transport, catalog.transports, PREFERRED_DEFAULTS.transport);
  const http = servesHttp(transport);
  if (!http && flags.auth !== undefined) {
    throw new CliError('USAGE', `--auth does not apply to --transport ${transport}: a stdio server is launched by its client and has no remote callers.`, {
      hint: 'Drop --auth, or choose --transport http or both.',
    });
  }
  if (!http && flags.rateLimitStore !== undefined) {
    throw new CliError('USAGE', `--rate-limit-store does not apply to --transport ${transport}: one stdio process serves one client.`, {
      hint: 'Drop --rate-limit-store, or choose --transport http or both.',
    });
  }
  const auth = http ? await decide('auth', '--auth', input.auth, catalog.auths, PREFERRED_DEFAULTS.auth) : 'none';
  const storage = await decide('storage', '--storage', input.storage, catalog.storages, PREFERRED_DEFAULTS.storage);

  let tools: readonly string[];
  const preferredTools = storage === 'none' ? PREFERRED_DEFAULTS.tools.withoutStorage : PREFERRED_DEFAULTS.tools.withStorage;
  const defaultTools = catalog.tools
    .filter((t) => (preferredTools as readonly string[]).includes(t.value) && (storage !== 'none' || !t.needsStorage))
    .map((t) => t.value);
  if (input.tools !== undefined) tools = input.tools;
  else if (ctx.yes) tools = defaultTools;
  else if (ctx.ask) {
    const offered = catalog.tools.filter((t) => storage !== 'none' || !t.needsStorage);
    tools = await ctx.ask.multiselect({ key: 'tools', message: QUESTIONS.tools, choices: offered, default: defaultTools });
  } else {
    missing.push('--tools');
    tools = defaultTools;
  }
  tools = [...new Set(tools)];
  if (storage === 'none') {
    const needing = tools.filter((t) => catalog.tools.find((c) => c.value === t)?.needsStorage);
    if (needing.length > 0) {
      throw new CliError('USAGE', `--tools ${needing.join(',')} needs storage, but --storage is none.`, {
        hint: `Choose a storage (${catalog.storages.filter((s) => s.value !== 'none').map((s) => s.value).join(', ') || 'none available yet'}) or leave ${needing.join(',')} out of --tools.`,
      });
    }
  }

  const rateLimitStore = http
    ? await decide('rateLimitStore', '--rate-limit-store', input.rateLimitStore, catalog.rateLimitStores, PREFERRED_DEFAULTS.rateLimitStore)
    : 'memory';
  const packageManager = input.packageManager ?? ctx.detectedPackageManager;

  if (missing.length > 0) {
    throw new CliError('MISSING_VALUES', `Cannot ask questions without a terminal; still needed: ${missing.join(', ')}.`, {
      hint: 'Pass them as flags, or add --yes to take the defaults (see --help).',
    });
  }

  if (name === undefined) throw new CliError('INTERNAL', 'no package name after resolution');
  // Catalog order keeps the spec stable whatever order the flags used.
  const orderedTools = catalog.tools.map((t) => t.value).filter((t) => tools.includes(t));
  return Object.freeze({
    name,
    transport,
    auth,
    storage,
    tools: Object.freeze(orderedTools),
    rateLimitStore,
    packageManager,
    nodeFloor: ctx.nodeFloor ?? nodeFloorFor(ctx.nodeVersion ?? process.version),
  }) as ProjectSpec;
}

function checkChoice(flag: string, value: string | undefined, choices: readonly Choice[]): void {
  if (value === undefined || choices.some((c) => c.value === value)) return;
  throw new CliError('USAGE', `Unknown value "${value}" for ${flag}.`, {
    hint: `Choose one of: ${choices.map((c) => c.value).join(', ')}.`,
  });
}
