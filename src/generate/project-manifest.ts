/**
 * Reads a generated project's secure-mcp.json for the commands that work on an existing project (add
 * tool, update). Guards against acting on the wrong folder or a damaged record: a folder without the
 * manifest, invalid JSON, a schemaVersion newer than this generator knows, a spec that is not one, or
 * an invalid team-preset default is refused with the cause and a hint — never silently defaulted.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { CATALOG } from '../options/options.js';
import { MANIFEST_SCHEMA_VERSION, type ProjectSpec } from '../options/project-spec.js';
import type { AddToolDefaults, PresetRecord } from '../presets/preset-types.js';

/** A team preset's addTool.scopePrefix (schema/preset.schema.json has the same pattern). */
export const SCOPE_PREFIX_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
/** The largest per-tool rate budget add tool and a preset may set. */
export const MAX_RATE_LIMIT_POINTS = 1_000_000;

export interface ProjectManifest {
  readonly spec: ProjectSpec;
  readonly generatorVersion: string;
  /** The team preset the project was made with, as recorded (validated only as far as add tool reads it). */
  readonly preset: PresetRecord | undefined;
  readonly addTool: AddToolDefaults;
  /** The whole parsed file, for commands that rewrite it keeping what they do not know. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** `command` names the command in hints ("add tool", "update"). */
export function readProjectManifest(projectDir: string, command: string): ProjectManifest {
  if (!existsSync(projectDir) || !lstatSync(projectDir).isDirectory()) {
    throw new CliError('TARGET_INVALID', `${projectDir} is not a folder.`, { hint: `Run ${command} inside a project made by create-secure-mcp, or pass its folder.` });
  }
  const manifestPath = path.join(projectDir, 'secure-mcp.json');
  if (!existsSync(manifestPath)) {
    throw new CliError('TARGET_INVALID', `${projectDir} has no secure-mcp.json, so it is not a project made by create-secure-mcp.`, {
      hint: `Run ${command} inside a generated project, or pass its folder.`,
    });
  }
  let manifest: { schemaVersion?: unknown; generatorVersion?: unknown; spec?: unknown; preset?: { addTool?: unknown } };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch (error) {
    throw new CliError('TARGET_INVALID', `secure-mcp.json in ${projectDir} is not valid JSON.`, { cause: error, hint: 'Restore it from version control.' });
  }
  const version = manifest.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new CliError('TARGET_INVALID', 'secure-mcp.json has no valid schemaVersion.', { hint: 'Restore it from version control.' });
  }
  if (version > MANIFEST_SCHEMA_VERSION) {
    throw new CliError('TARGET_INVALID', `secure-mcp.json has schemaVersion ${version}, newer than this create-secure-mcp knows (${MANIFEST_SCHEMA_VERSION}).`, {
      hint: 'Run a newer create-secure-mcp (the one that made the project, or later).',
    });
  }
  const spec = manifest.spec as Partial<ProjectSpec> | undefined;
  const storages = CATALOG.storages.map((s) => s.value);
  const managers = CATALOG.packageManagers.map((p) => p.value);
  if (!spec || typeof spec !== 'object' || typeof spec.name !== 'string' || !storages.includes(spec.storage as string) || !managers.includes(spec.packageManager as string) || !Array.isArray(spec.tools)) {
    throw new CliError('TARGET_INVALID', 'secure-mcp.json has no valid spec (name, storage, tools, packageManager).', { hint: 'Restore it from version control.' });
  }
  // nodeFloor: absent in manifests written before it existed, whose projects pinned the Node 20 column.
  if (spec.nodeFloor !== undefined && spec.nodeFloor !== 20 && spec.nodeFloor !== 22) {
    throw new CliError('TARGET_INVALID', `secure-mcp.json has an invalid spec.nodeFloor (${JSON.stringify(spec.nodeFloor)}; 20 or 22).`, { hint: 'Restore it from version control.' });
  }
  const generatorVersion = typeof manifest.generatorVersion === 'string' ? manifest.generatorVersion : '';
  return {
    spec: { ...spec, nodeFloor: spec.nodeFloor ?? 20 } as ProjectSpec,
    generatorVersion,
    preset: manifest.preset as PresetRecord | undefined,
    addTool: addToolDefaults(manifest.preset?.addTool),
    raw: manifest as Record<string, unknown>,
  };
}

/** The team preset's defaults for added tools, as secure-mcp.json recorded them; a value that is not valid is refused, not ignored. */
function addToolDefaults(value: unknown): AddToolDefaults {
  if (value === undefined) return {};
  const refuse = (what: string): never => {
    throw new CliError('TARGET_INVALID', `secure-mcp.json has an invalid preset.addTool${what}.`, { hint: 'Restore it from version control.' });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('');
  const { scopePrefix, rateLimitPoints } = value as { scopePrefix?: unknown; rateLimitPoints?: unknown };
  if (scopePrefix !== undefined && (typeof scopePrefix !== 'string' || !SCOPE_PREFIX_PATTERN.test(scopePrefix))) refuse('.scopePrefix');
  if (rateLimitPoints !== undefined && (typeof rateLimitPoints !== 'number' || !Number.isSafeInteger(rateLimitPoints) || rateLimitPoints < 1 || rateLimitPoints > MAX_RATE_LIMIT_POINTS)) refuse('.rateLimitPoints');
  return {
    ...(scopePrefix !== undefined ? { scopePrefix: scopePrefix as string } : {}),
    ...(rateLimitPoints !== undefined ? { rateLimitPoints: rateLimitPoints as number } : {}),
  };
}
