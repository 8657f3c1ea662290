/**
 * The generator's release notes data (release-notes.json at the package root, shipped in the package):
 * which release fixed which security problem in generated projects. Guards against a project that
 * silently keeps code a later generator release fixed: `check` (SMCP-UPDATE-001) compares the project's
 * recorded generatorVersion with these releases. Also the small semver compare that needs (no dependency).
 *
 * This module sits two levels below the package root (src/check/, dist/check/), as does the bundled CLI
 * (dist/bundle/), so `../../release-notes.json` names the same file from all three.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RELEASE_NOTES_PATH = fileURLToPath(new URL('../../release-notes.json', import.meta.url));

export interface SecurityFix {
  /** Stable id, `SMCP-FIX-<year>-<NNN>`. */
  readonly id: string;
  /** One or two sentences: what was wrong, for which projects, what changed. */
  readonly summary: string;
  /** Paths in the generated project the fix changes (empty: not tied to files). */
  readonly files: readonly string[];
}

export interface Release {
  readonly version: string;
  readonly date: string;
  readonly securityFixes: readonly SecurityFix[];
}

export interface ReleaseNotes {
  readonly releases: readonly Release[];
}

/** A version as semver orders it: major.minor.patch, then pre-release identifiers (build metadata ignored). */
export interface ParsedVersion {
  readonly core: readonly [number, number, number];
  readonly pre: readonly (string | number)[];
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Parses `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`; undefined for anything else. */
export function parseVersion(text: string): ParsedVersion | undefined {
  const m = SEMVER.exec(text.trim());
  if (!m) return undefined;
  const core = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  if (!core.every(Number.isSafeInteger)) return undefined;
  const pre = m[4] === undefined ? [] : m[4].split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return { core, pre };
}

/** Negative when a < b, 0 when equal, positive when a > b (semver precedence). */
export function compareVersions(a: ParsedVersion, b: ParsedVersion): number {
  for (let i = 0; i < 3; i++) {
    const d = (a.core[i] as number) - (b.core[i] as number);
    if (d !== 0) return Math.sign(d);
  }
  // A pre-release is lower than its release.
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
    if (typeof x === 'number') return -1; // numeric identifiers sort before alphanumeric ones
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function fail(why: string): never {
  throw new Error(`release-notes.json is not valid: ${why}`);
}

/** Checks the shape of parsed release notes; throws naming the first problem. */
export function parseReleaseNotes(value: unknown): ReleaseNotes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const releases = (value as { releases?: unknown }).releases;
  if (!Array.isArray(releases)) fail('"releases" is not a list');
  return {
    releases: releases.map((release: unknown, i): Release => {
      const where = `releases[${i}]`;
      if (typeof release !== 'object' || release === null) fail(`${where} is not an object`);
      const { version, date, securityFixes } = release as Record<string, unknown>;
      if (typeof version !== 'string' || parseVersion(version) === undefined) fail(`${where}.version is not a version`);
      if (typeof date !== 'string') fail(`${where}.date is not a string`);
      const fixes = securityFixes ?? [];
      if (!Array.isArray(fixes)) fail(`${where}.securityFixes is not a list`);
      return {
        version,
        date,
        securityFixes: fixes.map((fix: unknown, j): SecurityFix => {
          const at = `${where}.securityFixes[${j}]`;
          if (typeof fix !== 'object' || fix === null) fail(`${at} is not an object`);
          const { id, summary, files } = fix as Record<string, unknown>;
          if (typeof id !== 'string' || id === '') fail(`${at}.id is missing`);
          if (typeof summary !== 'string' || summary === '') fail(`${at}.summary is missing`);
          const list = files ?? [];
          if (!Array.isArray(list) || !list.every((f): f is string => typeof f === 'string')) fail(`${at}.files is not a list of paths`);
          return { id, summary, files: list };
        }),
      };
    }),
  };
}

let cached: ReleaseNotes | undefined;

/** The shipped release notes (read once). Throws when the file is missing or malformed. */
export function loadReleaseNotes(): ReleaseNotes {
  cached ??= parseReleaseNotes(JSON.parse(readFileSync(RELEASE_NOTES_PATH, 'utf8')) as unknown);
  return cached;
}

/** The security fixes released after `version` (newest release first, as the file lists them). */
export function fixesAfter(notes: ReleaseNotes, version: ParsedVersion): { release: Release; fix: SecurityFix }[] {
  const out: { release: Release; fix: SecurityFix }[] = [];
  for (const release of notes.releases) {
    const parsed = parseVersion(release.version);
    if (parsed === undefined || compareVersions(parsed, version) <= 0) continue;
    for (const fix of release.securityFixes) out.push({ release, fix });
  }
  return out;
}
