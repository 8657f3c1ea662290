/**
 * The team presets of an update: the one secure-mcp.json records (for the base) and the one to update
 * to (for theirs) — the same preset, or a newer version of it. Guards against rendering the base with a
 * preset other than the one the project was made with (its content hash must match the record), against
 * switching a project to another team's preset (a different name is refused), against moving back to an
 * older preset version, and against an update that would silently drop a preset project's preset.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import type { ProjectManifest } from '../generate/project-manifest.js';
import type { PresetRecord } from '../presets/preset-types.js';
import { compareVersions, type PresetAt } from './generators.js';

export interface UpdatePresets {
  /** The recorded preset, loaded: what the base is rendered with. */
  readonly base: PresetAt | undefined;
  /** The preset theirs is rendered with: the recorded one, or a newer version of it. */
  readonly theirs: PresetAt | undefined;
  /** theirs is another version (or content) of the recorded preset. */
  readonly moved: boolean;
}

export interface PresetFlags {
  /** --preset: the recorded preset, or a newer version of it. */
  readonly preset: string | undefined;
  /** --preset-from: the recorded preset, when --preset is a newer one. */
  readonly presetFrom: string | undefined;
}

export async function updatePresets(manifest: ProjectManifest, given: PresetFlags, deps: { cwd: string; env: NodeJS.ProcessEnv }): Promise<UpdatePresets> {
  if (given.presetFrom !== undefined && given.preset === undefined) {
    throw new CliError('USAGE', '--preset-from names the recorded preset when --preset is a newer one; --preset is missing.', { hint: 'Pass --preset <the newer preset> too, or drop --preset-from.' });
  }
  const recorded = manifest.preset;
  if (recorded === undefined) {
    if (given.preset !== undefined) throw new CliError('USAGE', 'This project was made without a team preset: --preset does not apply.', { hint: 'Drop --preset.' });
    return { base: undefined, theirs: undefined, moved: false };
  }
  if (given.preset === undefined) {
    throw new CliError('USAGE', `This project was made with the team preset ${recorded.name}@${recorded.version}: update needs it to render the project as made.`, {
      hint: `Pass --preset <the same preset> (content hash ${recorded.hash}), or a newer version of ${recorded.name}.`,
    });
  }
  const target = await loadAt(given.preset, deps);
  const { preset } = target;
  if (preset.name !== recorded.name) {
    throw new CliError('USAGE', `--preset is ${preset.name}@${preset.version}, but the project was made with the team preset ${recorded.name}: update moves a project to a newer version of its own preset, not to another preset (whose options, locks and files were never merged into this project).`, {
      hint: `Pass ${recorded.name} (the recorded ${recorded.version}, or a newer version).`,
    });
  }
  if (given.presetFrom === undefined && preset.hash === recorded.hash) return { base: target, theirs: target, moved: false };
  if ((compareVersions(preset.version, recorded.version) ?? 0) < 0) {
    throw new CliError('USAGE', `--preset is ${preset.name}@${preset.version}, older than the ${recorded.version} the project records: update only moves forward.`, {
      hint: `Pass ${recorded.name}@${recorded.version} or newer.`,
    });
  }
  const base = await recordedPreset(recorded, target, given, deps);
  return { base, theirs: target, moved: preset.hash !== recorded.hash };
}

/** The recorded preset version: --preset-from, else (an npm package) that package at the recorded version. */
async function recordedPreset(recorded: PresetRecord, target: PresetAt, given: PresetFlags, deps: { cwd: string; env: NodeJS.ProcessEnv }): Promise<PresetAt> {
  const label = `${recorded.name}@${recorded.version}`;
  const hint = `Pass the recorded ${label} with --preset-from <its file, folder, tarball or package> (content hash ${recorded.hash}).`;
  let source = given.presetFrom;
  const origin = target.preset.origin;
  if (source === undefined) {
    if (origin.kind !== 'package') {
      throw new CliError('USAGE', `--preset is ${target.preset.name}@${target.preset.version}; update also needs the recorded ${label} to see the project as it was made, and cannot fetch it: --preset is a ${origin.kind}, not an npm package.`, { hint });
    }
    source = `${origin.name}@${recorded.version}`;
  }
  let base: PresetAt;
  try {
    base = await loadAt(source, deps);
  } catch (error) {
    if (!(error instanceof CliError) || given.presetFrom !== undefined) throw error;
    throw new CliError(error.code, `update needs the recorded preset ${label} to see the project as it was made: ${error.message}`, { hint, cause: error });
  }
  if (base.preset.hash !== recorded.hash) {
    throw new CliError('USAGE', `${given.presetFrom !== undefined ? '--preset-from' : source} is ${base.preset.name}@${base.preset.version} (${base.preset.hash}), not the preset the project records (${label}, ${recorded.hash}).`, { hint });
  }
  return base;
}

/** Loads a preset, and says how another generator's --preset finds the same one. */
async function loadAt(source: string, deps: { cwd: string; env: NodeJS.ProcessEnv }): Promise<PresetAt> {
  const preset = await (await import('../presets/load-preset.js')).loadPreset(source, deps);
  const absolute = path.resolve(deps.cwd, source);
  const child = existsSync(absolute) ? absolute : preset.origin.kind === 'package' ? `${preset.origin.name}@${preset.origin.version}` : source;
  return { preset, source: child };
}
