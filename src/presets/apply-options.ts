/**
 * Preset options → the values resolve starts from. Guards against a team's locked choice being changed
 * on the command line: a flag that gives a locked option another value is refused, naming the preset
 * (exit 1, before anything is asked or written). An option the preset sets is taken as if given by
 * flag, so it is never asked; a flag still wins over a value the preset does not lock.
 */
import { CliError } from '../errors.js';
import type { SpecInput } from '../options/project-spec.js';
import type { PresetOptionKey, PresetOptions } from './preset-types.js';

/** What of a preset this step reads: a loaded Preset and a manifest's PresetRecord both have it. */
export interface PresetChoices {
  readonly name: string;
  readonly version: string;
  readonly options: PresetOptions;
  readonly locked: readonly PresetOptionKey[];
}

/** The SpecInput field each preset option (named as its flag) fills. */
export const INPUT_FIELD = {
  transport: 'transport',
  auth: 'auth',
  storage: 'storage',
  tools: 'tools',
  'rate-limit-store': 'rateLimitStore',
  'package-manager': 'packageManager',
} as const satisfies Record<PresetOptionKey, keyof SpecInput>;

export function applyPresetOptions(input: SpecInput, preset: PresetChoices | undefined): SpecInput {
  if (preset === undefined) return input;
  const merged: SpecInput = { ...input };
  for (const [key, field] of Object.entries(INPUT_FIELD) as Array<[PresetOptionKey, (typeof INPUT_FIELD)[PresetOptionKey]]>) {
    const fromPreset = preset.options[key];
    const given = input[field];
    if (fromPreset === undefined) continue;
    if (given === undefined) {
      (merged as Record<string, unknown>)[field] = fromPreset;
      continue;
    }
    if (preset.locked.includes(key) && !sameValue(key, given, fromPreset)) {
      throw new CliError('USAGE', `--${key} is locked to ${show(fromPreset)} by the preset ${preset.name}@${preset.version}; --${key} ${show(given)} is not allowed.`, {
        hint: `Drop --${key}, or ask the preset's owners to unlock it.`,
      });
    }
  }
  return merged;
}

function sameValue(key: PresetOptionKey, a: string | readonly string[], b: string | readonly string[]): boolean {
  if (key !== 'tools') return a === b;
  const left = [...new Set(a as readonly string[])].sort();
  const right = [...new Set(b as readonly string[])].sort();
  return left.length === right.length && left.every((v, i) => v === right[i]);
}

function show(value: string | readonly string[]): string {
  return typeof value === 'string' ? value : value.join(',');
}
