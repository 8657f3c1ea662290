/**
 * Loads a team preset (DESIGN.md §3) from a .json file, a folder, an npm package tarball, an installed
 * package or the registry, and returns it validated and fully in memory. Guards against presets that do
 * not follow schema/preset.schema.json (refused with the JSON path of each problem), locks of options the
 * preset does not set, preset files reached through symbolic links or `..` outside the preset or package,
 * and temporary downloads left behind. It prints nothing; errors are CliErrors (USAGE, exit 1) with a hint.
 */
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { CliError } from '../errors.js';
import { extractTarball, fileIntegrity, npmPack, subdir, withTempDir } from './fetch-package.js';
import { isInside, readPresetFiles } from './preset-files.js';
import { presetHash } from './preset-hash.js';
import type { AddToolDefaults, Preset, PresetFile, PresetOptionKey, PresetOptions, PresetOrigin } from './preset-types.js';

/** schema/ beside src/ and dist/ (this module runs from src/presets/, dist/presets/ or dist/bundle/). */
export const PRESET_SCHEMA_PATH = fileURLToPath(new URL('../../schema/preset.schema.json', import.meta.url));

/** The preset file a folder or package holds when its package.json names none (`secureMcpPreset`). */
export const DEFAULT_PRESET_FILE = 'preset.json';

/** A preset file (JSON) or package.json larger than this is refused unread. */
const MAX_JSON_BYTES = 1024 * 1024;

const SCHEMA_HINT = 'Check the preset against schema/preset.schema.json of create-secure-mcp (add "$schema" to the preset for help in your editor).';

export interface LoadPresetDeps {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The preset JSON as the schema allows it. */
interface PresetJson {
  readonly $schema?: string;
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly options?: PresetOptions;
  readonly locked?: readonly PresetOptionKey[];
  readonly files?: string;
  readonly allowCoreOverrides?: boolean;
  readonly addTool?: AddToolDefaults;
}

/** A registry package spec: `name`, `@scope/name`, `name@1.2.3`, `name@^1`, `name@latest`. */
export interface PackageSpec {
  readonly name: string;
  readonly range: string | undefined;
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const VERSION_RANGE = /^[0-9A-Za-z.^~<>=|*+ -]+$/;
const EXACT_VERSION = /^v?=?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/** Parses a registry package spec, or returns undefined when `source` is not one. */
export function parsePackageSpec(source: string): PackageSpec | undefined {
  const at = source.indexOf('@', 1);
  const name = at === -1 ? source : source.slice(0, at);
  const range = at === -1 ? undefined : source.slice(at + 1);
  if (name.length > 214 || !PACKAGE_NAME.test(name)) return undefined;
  if (range !== undefined && (range.length === 0 || range.length > 256 || !VERSION_RANGE.test(range))) return undefined;
  return { name, range };
}

/**
 * Loads the preset `source` names: a path to a .json preset, a folder (its preset.json), a .tgz/.tar.gz
 * package tarball, or an npm package spec (installed under node_modules from `cwd` upward, else fetched
 * with npm pack). An existing path wins over a package of the same name.
 */
export async function loadPreset(source: string, deps: LoadPresetDeps): Promise<Preset> {
  if (source.trim() === '') {
    throw new CliError('USAGE', '--preset needs a preset file, folder, tarball or package name.', {
      hint: 'e.g. --preset ./acme-preset.json or --preset @acme/mcp-preset',
    });
  }
  const absolute = path.resolve(deps.cwd, source);
  const stats = await statIfExists(absolute, source);
  if (stats !== undefined) {
    if (stats.isDirectory()) return loadFolder(absolute, source);
    if (!stats.isFile()) {
      throw new CliError('USAGE', `Preset ${source} is neither a file nor a folder.`, { hint: 'Pass a preset .json file, a folder with a preset.json, or a package.' });
    }
    if (isTarballName(source)) return loadTarball(absolute, source, deps);
    if (source.toLowerCase().endsWith('.json')) return loadFile(absolute, source);
    throw new CliError('USAGE', `Preset ${source} is neither a .json preset nor a .tgz package.`, {
      hint: 'Pass a preset .json file, a folder with a preset.json, a package tarball (.tgz) or a package name.',
    });
  }
  const spec = looksLikePath(source) ? undefined : parsePackageSpec(source);
  if (spec === undefined) {
    throw new CliError('USAGE', `Preset ${source}: no such file or folder, and not a package name.`, {
      hint: 'Pass a path to a preset .json file, a folder or a .tgz, or an npm package such as @acme/mcp-preset@1.2.0.',
    });
  }
  return loadPackage(source, spec, deps);
}

function isTarballName(file: string): boolean {
  const lower = file.toLowerCase();
  return lower.endsWith('.tgz') || lower.endsWith('.tar.gz');
}

/** A source that can only be meant as a path (so a missing one is "no such file", never a package). */
function looksLikePath(source: string): boolean {
  return (
    source.startsWith('.') ||
    source.startsWith('~') ||
    source.includes('\\') ||
    path.isAbsolute(source) ||
    /^[A-Za-z]:/.test(source) ||
    (source.includes('/') && !source.startsWith('@')) ||
    isTarballName(source) ||
    source.toLowerCase().endsWith('.json')
  );
}

async function statIfExists(file: string, label: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new CliError('USAGE', `Cannot read the preset ${label} (${code ?? 'error'}).`, { hint: 'Check the path and its permissions.', cause: error });
  }
}

// ---------------------------------------------------------------------------------------------- sources

async function loadFile(file: string, label: string): Promise<Preset> {
  const real = await realpath(file);
  const root = path.dirname(real);
  return loadPresetFile({ presetFile: real, root, label, origin: { kind: 'file', path: file } });
}

async function loadFolder(folder: string, label: string): Promise<Preset> {
  const root = await realpath(folder);
  const relative = (await packagePresetField(root, label)) ?? DEFAULT_PRESET_FILE;
  const presetFile = await fileInside(root, relative, label, () =>
    new CliError('USAGE', `Preset folder ${label} has no ${relative}.`, { hint: 'Pass the preset .json file itself, or a folder with a preset.json.' }),
  );
  return loadPresetFile({ presetFile, root, label: path.join(label, relative), origin: { kind: 'folder', path: folder } });
}

async function loadTarball(tarball: string, label: string, deps: LoadPresetDeps): Promise<Preset> {
  const integrity = await fileIntegrity(tarball);
  return withTempDir(async (tmp) => {
    const packageDir = await extractTarball(tarball, tmp, label, deps.env);
    return loadPackageRoot(packageDir, label, (name, version) => ({ kind: 'package', spec: label, name, version, integrity, how: 'tarball' }));
  });
}

async function loadPackage(source: string, spec: PackageSpec, deps: LoadPresetDeps): Promise<Preset> {
  const installed = await findInstalled(spec, deps.cwd);
  if (installed !== undefined) {
    return loadPackageRoot(installed, source, (name, version) => ({ kind: 'package', spec: source, name, version, integrity: undefined, how: 'installed' }));
  }
  return withTempDir(async (tmp) => {
    const packed = await npmPack(source, await subdir(tmp, 'download'), deps);
    const packageDir = await extractTarball(packed.tarball, await subdir(tmp, 'unpacked'), source, deps.env);
    return loadPackageRoot(packageDir, source, () => ({
      kind: 'package',
      spec: source,
      name: packed.name,
      version: packed.version,
      integrity: packed.integrity,
      how: 'fetched',
    }));
  });
}

/**
 * `node_modules/<name>` from `cwd` upward, when no version was asked for or the installed one is exactly
 * the one asked for; undefined otherwise (then the package is fetched).
 */
async function findInstalled(spec: PackageSpec, cwd: string): Promise<string | undefined> {
  const exact = spec.range === undefined ? undefined : EXACT_VERSION.exec(spec.range)?.[1];
  if (spec.range !== undefined && exact === undefined) return undefined;
  let dir = path.resolve(cwd);
  for (;;) {
    const packageDir = path.join(dir, 'node_modules', ...spec.name.split('/'));
    const manifest = await readJsonIfExists(path.join(packageDir, 'package.json'));
    if (manifest !== undefined) {
      const version = isRecord(manifest) ? manifest.version : undefined;
      return exact === undefined || version === exact ? packageDir : undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A package's folder: its package.json names it, and names the preset file (else preset.json). */
async function loadPackageRoot(packageDir: string, label: string, origin: (name: string, version: string) => PresetOrigin): Promise<Preset> {
  const root = await realpath(packageDir);
  const manifestFile = await fileInside(root, 'package.json', label, () =>
    new CliError('USAGE', `Preset package ${label} has no package.json.`, { hint: 'Check that this is an npm package (npm pack makes one).' }),
  );
  const manifest = await readJsonFile(manifestFile, `${label} (package.json)`);
  const name = isRecord(manifest) ? manifest.name : undefined;
  const version = isRecord(manifest) ? manifest.version : undefined;
  if (typeof name !== 'string' || typeof version !== 'string') {
    throw new CliError('USAGE', `Preset package ${label}: package.json has no name or version.`, { hint: 'Check that this is an npm package (npm pack makes one).' });
  }
  const relative = presetField(manifest, label) ?? DEFAULT_PRESET_FILE;
  const packageLabel = `${name}@${version}`;
  const presetFile = await fileInside(root, relative, packageLabel, () =>
    new CliError('USAGE', `Preset package ${packageLabel} has no ${relative}.`, {
      hint: 'A preset package holds preset.json at its root, or names its preset file in package.json "secureMcpPreset".',
    }),
  );
  return loadPresetFile({ presetFile, root, label: `${packageLabel} (${relative})`, origin: origin(name, version) });
}

/** package.json "secureMcpPreset" of a folder, when it has a package.json naming one. */
async function packagePresetField(root: string, label: string): Promise<string | undefined> {
  const manifest = await readJsonIfExists(path.join(root, 'package.json'));
  return manifest === undefined ? undefined : presetField(manifest, label);
}

function presetField(manifest: unknown, label: string): string | undefined {
  const field = isRecord(manifest) ? manifest.secureMcpPreset : undefined;
  if (field === undefined) return undefined;
  if (typeof field !== 'string' || field.trim() === '') {
    throw new CliError('USAGE', `Preset package ${label}: package.json "secureMcpPreset" must be a relative path to the preset file.`, {
      hint: 'e.g. "secureMcpPreset": "preset.json"',
    });
  }
  return field;
}

/**
 * `relative` inside `root` as a real path: a regular file (not a symbolic link), proven inside root.
 * `missing` builds the error for a file that is not there.
 */
async function fileInside(root: string, relative: string, label: string, missing: () => CliError): Promise<string> {
  const outside = (): CliError =>
    new CliError('USAGE', `Preset ${label}: ${relative} is outside the preset's folder.`, { hint: 'The preset file must be inside the preset folder or package.' });
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative) || relative.includes('\0')) throw outside();
  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) throw outside();
  let stats: Stats;
  try {
    stats = await lstat(candidate);
  } catch {
    throw missing();
  }
  if (stats.isSymbolicLink()) {
    throw new CliError('USAGE', `Preset ${label}: ${relative} is a symbolic link.`, { hint: 'A preset package must hold its files, not links to them.' });
  }
  if (!stats.isFile()) throw missing();
  const real = await realpath(candidate);
  if (!isInside(root, real)) throw outside();
  return real;
}

// ---------------------------------------------------------------------------------------------- the preset

interface PresetFileSource {
  /** Real path of the preset JSON. */
  readonly presetFile: string;
  /** Real path of the folder the preset may read from: the preset file's folder, or the package root. */
  readonly root: string;
  /** Names the preset in messages. */
  readonly label: string;
  readonly origin: PresetOrigin;
}

async function loadPresetFile(source: PresetFileSource): Promise<Preset> {
  const { presetFile, root, label, origin } = source;
  const raw = await readJsonFile(presetFile, label);
  const validate = await presetValidator();
  if (!validate(raw)) {
    throw new CliError('USAGE', `Invalid preset ${label}: ${describeErrors(validate.errors ?? [])}`, { hint: SCHEMA_HINT });
  }
  const json: PresetJson = raw;
  const options = json.options ?? {};
  const locked = json.locked ?? [];
  const unset = locked.filter((key) => options[key] === undefined);
  if (unset.length > 0) {
    const keys = unset.map((key) => `"${key}"`).join(', ');
    throw new CliError('USAGE', `Invalid preset ${label}: /locked locks ${keys} but /options does not set ${unset.length === 1 ? 'it' : 'them'}.`, {
      hint: `A lock keeps the preset's value; set ${keys} in "options", or remove ${unset.length === 1 ? 'it' : 'them'} from "locked".`,
    });
  }
  const files: PresetFile[] = json.files === undefined ? [] : await readPresetFiles(root, path.dirname(presetFile), json.files, label);
  return {
    name: json.name,
    version: json.version,
    options,
    locked,
    files,
    allowCoreOverrides: json.allowCoreOverrides ?? false,
    addTool: json.addTool ?? {},
    hash: presetHash(json as unknown as Readonly<Record<string, unknown>>, files),
    origin,
  };
}

async function readJsonFile(file: string, label: string): Promise<unknown> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_JSON_BYTES) {
      throw new CliError('USAGE', `Preset ${label} is larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB.`, { hint: 'A preset file holds options only; files go in its "files" folder.' });
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError('USAGE', `Cannot read the preset ${label} (${code ?? 'error'}).`, { hint: 'Check the path and its permissions.', cause: error });
  }
  try {
    return JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CliError('USAGE', `Preset ${label} is not valid JSON: ${detail.split('\n')[0]}`, { hint: SCHEMA_HINT, cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------- validation

let validator: Promise<ValidateFunction<PresetJson>> | undefined;

/** The compiled schema; ajv is imported only here, so a create without --preset never loads it. */
function presetValidator(): Promise<ValidateFunction<PresetJson>> {
  validator ??= (async () => {
    const { Ajv } = await import('ajv');
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(PRESET_SCHEMA_PATH, 'utf8'));
    } catch (error) {
      throw new CliError('INTERNAL', `Cannot read the preset schema ${PRESET_SCHEMA_PATH}.`, { hint: 'Reinstall create-secure-mcp.', cause: error });
    }
    // logger: false — the loader never prints; the schema's strictness is proven by the unit test.
    const ajv = new Ajv({ allErrors: true, strict: true, logger: false });
    return ajv.compile<PresetJson>(schema as Record<string, unknown>);
  })();
  validator.catch(() => {
    validator = undefined;
  });
  return validator;
}

/** The schema's own reading of its patterns, for messages a person can act on. */
const PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  '/name': 'must be a lowercase package-style name such as acme-mcp or @acme/mcp',
  '/version': 'must be a semver version such as 1.2.0',
  '/files': 'must be a relative folder path with / separators, such as ./files',
  '/addTool/scopePrefix': 'must be a lowercase letter followed by at most 31 of a-z, 0-9, _ and -',
};

const MAX_LISTED_ERRORS = 3;

/** Up to three schema errors, each with the JSON path (e.g. /options/transport) it is about. */
export function describeErrors(errors: readonly ErrorObject[]): string {
  const lines = [...new Set(errors.map(describeError))];
  const listed = lines.slice(0, MAX_LISTED_ERRORS).join('; ');
  const more = lines.length - MAX_LISTED_ERRORS;
  return more > 0 ? `${listed}; and ${more} more` : listed;
}

function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${error.instancePath}/${pointerToken(String(params.additionalProperty))} is not a known key`;
    case 'required':
      return `${error.instancePath}/${pointerToken(String(params.missingProperty))} is required`;
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String).join(', ') : '';
      return `${where} must be equal to one of the allowed values (${allowed})`;
    }
    case 'pattern':
      return `${where} ${PATTERN_MEANINGS[error.instancePath] ?? 'does not have the expected form'}`;
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}
