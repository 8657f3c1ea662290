/**
 * The preset's fingerprint, recorded in secure-mcp.json. It hashes what the preset says and every file it
 * brings, never where it was loaded from, so a preset loaded from a file, a folder, a tarball or the
 * registry gets the same hash, and any change to one byte of it (or to a file's name) gets another.
 */
import { createHash } from 'node:crypto';
import type { PresetFile } from './preset-types.js';

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value as Json));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return (value as readonly Json[]).map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const object = value as { readonly [key: string]: Json };
    const sorted: { [key: string]: Json } = {};
    for (const key of Object.keys(object).sort()) {
      const child = object[key];
      if (child !== undefined) sorted[key] = sortKeys(child);
    }
    return sorted;
  }
  return value;
}

/**
 * `sha256:<hex>` over the preset JSON (keys sorted recursively, `$schema` dropped) followed, for each file
 * in path order, by `\n<path>\0<render ? 1 : 0>\0<sha256 hex of content>`.
 */
export function presetHash(presetJson: Readonly<Record<string, unknown>>, files: readonly PresetFile[]): string {
  const { $schema: _ignored, ...rest } = presetJson;
  const hash = createHash('sha256');
  hash.update(canonicalJson(rest), 'utf8');
  const ordered = [...files].sort((a, b) => compareCodeUnits(a.path, b.path));
  for (const file of ordered) {
    const contentHash = createHash('sha256').update(file.content).digest('hex');
    hash.update(`\n${file.path}\0${file.render ? 1 : 0}\0${contentHash}`, 'utf8');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Locale-independent ordering (the same on every machine), used for the files' order too. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
