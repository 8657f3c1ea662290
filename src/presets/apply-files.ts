/**
 * A preset's `files` → the plan. Guards against a preset quietly weakening a project: replacing a
 * security core file (the controls, the config that validates them, the transports, the data layer,
 * the tests that prove them, the ignore files that keep secrets out of git and images, SECURITY.md)
 * needs `"allowCoreOverrides": true`, and each such file is then listed in the generated SECURITY.md.
 * A file that holds a secret, or the manifest, is never replaced; nothing lands outside the project;
 * a path that differs from a generated one only in letter case (one file on macOS and Windows) is refused.
 */
import { CliError } from '../errors.js';
import { assertSafeRelativePath } from '../generate/safe-path.js';
import type { Plan, PlannedFile } from '../generate/plan-types.js';
import { reservedPathProblem } from './preset-files.js';
import type { Preset } from './preset-types.js';

/** Generated paths only a preset with allowCoreOverrides may replace, each with why it is core. */
export const CORE_PATHS: readonly { readonly matches: (path: string) => boolean; readonly what: string }[] = [
  { matches: (p) => p.startsWith('src/security/'), what: 'the security controls (sandbox, guard, scopes, limits, audit, errors)' },
  { matches: (p) => p === 'src/config.ts' || p.startsWith('src/config/'), what: 'the configuration that validates secrets and settings at start-up' },
  { matches: (p) => p.startsWith('src/transports/') || p.startsWith('src/http/'), what: 'the transports and the HTTP chain of controls' },
  { matches: (p) => p.startsWith('src/storage/'), what: 'the data layer that only binds values' },
  { matches: (p) => p.startsWith('test/'), what: 'the tests that prove the controls' },
  { matches: (p) => p === '.gitignore' || p === '.dockerignore', what: 'the ignore files that keep secrets, data and logs out of git and images' },
  { matches: (p) => p === 'Dockerfile' || p === 'package.json', what: 'the image (non-root) and the pinned dependencies' },
  { matches: (p) => p === 'SECURITY.md', what: 'the map of controls a reviewer signs off' },
];

export function isCorePath(path: string): boolean {
  return CORE_PATHS.some((core) => core.matches(path));
}

export function applyPresetFiles(plan: Plan, preset: Preset): Plan {
  const planned = new Map(plan.files.map((file) => [file.path, file]));
  const byLowerCase = new Map(plan.files.map((file) => [file.path.toLowerCase(), file.path]));
  const replaced: string[] = [];
  const core: string[] = [];
  const added: string[] = [];
  const replacements = new Map<string, PlannedFile>();
  const extras: PlannedFile[] = [];
  const where = `the preset ${preset.name}@${preset.version}`;

  for (const file of preset.files) {
    assertSafeRelativePath(file.path);
    // The loader refuses these too; checked again here, where the plan is changed.
    const reserved = reservedPathProblem(file.path);
    if (reserved !== undefined) throw new CliError('USAGE', `${where} brings ${file.path}: ${reserved}.`, { hint: 'Remove it from the preset.' });
    const source = { kind: 'preset', content: file.content, render: file.render } as const;
    const generated = planned.get(file.path);
    if (generated === undefined) {
      const sameButCase = byLowerCase.get(file.path.toLowerCase());
      if (sameButCase !== undefined) {
        throw new CliError('USAGE', `${where} has ${file.path}, which differs from the generated ${sameButCase} only in letter case (one file on macOS and Windows).`, {
          hint: `Name it ${sameButCase} to replace that file, or choose another name.`,
        });
      }
      extras.push({ path: file.path, source, mode: 0o644, secret: false });
      added.push(file.path);
      continue;
    }
    if (generated.secret) {
      throw new CliError('USAGE', `${where} replaces ${file.path}, which the generator writes itself (it holds a secret or the project's manifest).`, {
        hint: 'Remove it from the preset.',
      });
    }
    if (isCorePath(file.path)) {
      if (!preset.allowCoreOverrides) {
        const what = CORE_PATHS.find((c) => c.matches(file.path))?.what ?? 'a security core file';
        throw new CliError('USAGE', `${where} replaces ${file.path}, a security core file (${what}), without "allowCoreOverrides": true.`, {
          hint: 'Remove the file from the preset, or set "allowCoreOverrides": true in it (the generated SECURITY.md then lists the file).',
        });
      }
      core.push(file.path);
    }
    replacements.set(file.path, { ...generated, source });
    replaced.push(file.path);
  }

  return {
    ...plan,
    files: [...plan.files.map((file) => replacements.get(file.path) ?? file), ...extras],
    preset: { name: preset.name, version: preset.version, hash: preset.hash, replaced, core, added },
  };
}
