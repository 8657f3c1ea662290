/**
 * `create-secure-mcp preset init [file]`: writes a starter team preset from flags or answers. Guards
 * against a preset that cannot be used: the options go through the same resolution and checks as
 * `create` (catalog values, HTTP-only options with stdio refused), a lock must name an option the preset
 * sets, the written file is loaded back through the loader (the shipped JSON Schema) before the command
 * reports success, and an existing file is never overwritten (O_EXCL).
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../cli/argv.js';
import type { Ui } from '../cli/ui.js';
import { CliError } from '../errors.js';
import { CATALOG, servesHttp, type PackageManager } from '../options/options.js';
import { packageNameProblem, toPackageName } from '../options/package-name.js';
import { type Asker, resolveSpec } from '../options/resolve.js';
import { PRESET_OPTION_KEYS, type PresetOptionKey, type PresetOptions } from '../presets/preset-types.js';

type PresetInitCommand = Extract<Command, { kind: 'preset-init' }>;

export interface PresetInitDeps {
  readonly ui: Ui;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly generatorVersion: string;
  readonly ask?: Asker | undefined;
}

/** Where editors find the schema: the published package's copy, at the version that wrote the preset. */
export function schemaUrl(generatorVersion: string): string {
  return `https://unpkg.com/create-secure-mcp@${generatorVersion}/schema/preset.schema.json`;
}

export async function presetInit(command: PresetInitCommand, deps: PresetInitDeps): Promise<void> {
  const ask = command.yes ? undefined : deps.ask;
  const file = path.resolve(deps.cwd, command.file ?? 'preset.json');
  if (!file.endsWith('.json')) throw new CliError('USAGE', `${file} does not end in .json.`, { hint: 'Name the preset file *.json, e.g. acme-preset.json.' });

  const name = command.name ?? toPackageName(path.basename(deps.cwd));
  const nameProblem = name === undefined ? 'no valid name can be made from the current folder' : packageNameProblem(name);
  if (name === undefined || nameProblem) {
    throw new CliError('INVALID_NAME', `Invalid preset name${name === undefined ? '' : ` "${name}"`}: ${nameProblem}.`, { hint: 'Pass one with --name, e.g. --name acme-mcp.' });
  }

  // The same resolution as create (the package manager only when given: a preset need not choose one).
  const spec = await resolveSpec(command.input, {
    catalog: CATALOG,
    yes: command.yes,
    ask,
    defaultName: 'preset',
    detectedPackageManager: 'npm',
  });
  const http = servesHttp(spec.transport);
  const options: PresetOptions = {
    transport: spec.transport,
    ...(http ? { auth: spec.auth } : {}),
    storage: spec.storage,
    tools: [...spec.tools],
    ...(http ? { 'rate-limit-store': spec.rateLimitStore } : {}),
    ...(command.input.packageManager !== undefined ? { 'package-manager': spec.packageManager as PackageManager } : {}),
  };
  const set = PRESET_OPTION_KEYS.filter((key) => options[key] !== undefined);

  let locked: PresetOptionKey[];
  if (command.lock !== undefined) {
    locked = [...new Set(command.lock)].map((key) => {
      if (!(PRESET_OPTION_KEYS as readonly string[]).includes(key)) {
        throw new CliError('USAGE', `Unknown option "${key}" for --lock.`, { hint: `Choose from: ${PRESET_OPTION_KEYS.join(', ')}.` });
      }
      if (!set.includes(key as PresetOptionKey)) {
        throw new CliError('USAGE', `--lock ${key}: this preset does not set ${key} (it applies to HTTP only, or was not chosen), so there is nothing to lock.`, {
          hint: `Lock only options the preset sets: ${set.join(', ')}.`,
        });
      }
      return key as PresetOptionKey;
    });
  } else if (ask) {
    const choices = set.map((key) => ({ value: key, label: key, hint: String(options[key]) }));
    locked = (await ask.multiselect({ key: 'lock', message: 'Which options may projects made from this preset not change?', choices, default: [] })) as PresetOptionKey[];
  } else {
    locked = [];
  }
  locked = PRESET_OPTION_KEYS.filter((key) => locked.includes(key));

  const preset = { $schema: schemaUrl(deps.generatorVersion), name, version: '1.0.0', options, locked, allowCoreOverrides: false };
  try {
    writeFileSync(file, `${JSON.stringify(preset, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError('TARGET_NOT_EMPTY', `${file} exists: preset init never overwrites a file.`, { hint: 'Choose another file name, or remove that file first.' });
    if (code === 'ENOENT') throw new CliError('TARGET_INVALID', `Cannot write ${file}: its folder does not exist.`, { hint: 'Create the folder first, or choose another path.' });
    throw new CliError('TARGET_INVALID', `Cannot write ${file} (${code ?? 'error'}).`, { cause: error, hint: 'Choose another path.' });
  }
  // Proof that what was written is a preset create accepts; never leave a file that is not.
  try {
    await (await import('../presets/load-preset.js')).loadPreset(file, { cwd: deps.cwd, env: deps.env });
  } catch (error) {
    rmSync(file, { force: true });
    throw new CliError('INTERNAL', `The preset written to ${file} does not load: ${(error as Error).message}`, { cause: error });
  }

  const relative = path.relative(deps.cwd, file) || file;
  deps.ui.out(`${deps.ui.color.green('✔')} Wrote the preset ${name}@1.0.0 to ${relative} (locked: ${locked.length > 0 ? locked.join(', ') : 'nothing'}).`);
  deps.ui.out(`  Use it:  create-secure-mcp my-server --preset ${relative.includes(path.sep) || relative.startsWith('.') ? relative : `./${relative}`}`);
  deps.ui.out('  Share it: commit it, or publish it in an npm package (preset.json at its root) and pass the package name.');
}
