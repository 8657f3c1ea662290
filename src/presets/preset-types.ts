/**
 * A team preset, loaded and validated (DESIGN.md §3, schema/preset.schema.json). Everything downstream
 * (resolve, plan, the manifest, add tool) reads this one object; the loader has already read every file
 * of the preset into memory, so nothing later touches the preset's folder (or a temporary download).
 */

/** Option names a preset may set or lock: the create flags' names. */
export const PRESET_OPTION_KEYS = ['transport', 'auth', 'storage', 'tools', 'rate-limit-store', 'package-manager'] as const;
export type PresetOptionKey = (typeof PRESET_OPTION_KEYS)[number];

/** Values as the preset's JSON gives them (the schema checked the enums against the catalog). */
export interface PresetOptions {
  readonly transport?: string;
  readonly auth?: string;
  readonly storage?: string;
  readonly tools?: readonly string[];
  readonly 'rate-limit-store'?: string;
  readonly 'package-manager'?: string;
}

/** One file of the preset's `files` folder, at the project path it lands on. */
export interface PresetFile {
  /** POSIX path relative to the project root, `.hbs` suffix removed when `render`. Checked safe. */
  readonly path: string;
  readonly content: Buffer;
  /** The source ended in `.hbs`: rendered with the generator's helpers and strictness. */
  readonly render: boolean;
}

export interface AddToolDefaults {
  /** Prefix of the default scope an added tool gets: `<prefix>-<resource>:<action>` (e.g. acme-tickets:read). */
  readonly scopePrefix?: string;
  /** Default per-tool rate budget of an added tool. */
  readonly rateLimitPoints?: number;
}

/** Where the preset came from, for the line the CLI prints. */
export type PresetOrigin =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'folder'; readonly path: string }
  /** An npm package: installed (found in node_modules), a local tarball, or fetched with npm pack. */
  | { readonly kind: 'package'; readonly spec: string; readonly name: string; readonly version: string; readonly integrity: string | undefined; readonly how: 'installed' | 'tarball' | 'fetched' };

export interface Preset {
  readonly name: string;
  readonly version: string;
  readonly options: PresetOptions;
  readonly locked: readonly PresetOptionKey[];
  /** Files of the `files` folder (empty without one), sorted by path. */
  readonly files: readonly PresetFile[];
  readonly allowCoreOverrides: boolean;
  readonly addTool: AddToolDefaults;
  /** `sha256:<hex>` over the canonical preset JSON and every file (path and content). */
  readonly hash: string;
  readonly origin: PresetOrigin;
}

/** What secure-mcp.json records of the preset, so add tool and check honour it without the preset at hand. */
export interface PresetRecord {
  readonly name: string;
  readonly version: string;
  readonly hash: string;
  readonly locked: readonly PresetOptionKey[];
  readonly options: PresetOptions;
  readonly addTool: AddToolDefaults;
}

/** The record of a loaded preset that secure-mcp.json keeps (create writes it; update writes a newer one). */
export function presetRecord(preset: Preset): PresetRecord {
  return { name: preset.name, version: preset.version, hash: preset.hash, locked: preset.locked, options: preset.options, addTool: preset.addTool };
}
