/**
 * `create-secure-mcp update`: the three-way decision per path (base = the project as its recorded
 * generator version rendered it, theirs = the target version's render, ours = the disk). Guards
 * against an update overwriting the user's edits, resurrecting files the user deleted, deleting files
 * the user changed, touching secrets/data/lockfiles, or passing off an overlapping change as merged.
 * Bytes are compared exactly (line endings included); nothing here writes to the project.
 */
import type { FileSet, MergeDecision } from './merge-types.js';
import { DEFAULT_LABELS, gitMergeText, type MergeLabels, type MergeText } from './merge-git.js';
import { mergePackageJson } from './merge-package-json.js';
import { isProtectedPath, protectedReason } from './protected-paths.js';

export { isProtectedPath } from './protected-paths.js';
export { DEFAULT_LABELS, gitMergeText } from './merge-git.js';
export type { MergeLabels, MergeText, MergeTextResult } from './merge-git.js';

export interface MergeProjectOptions {
  /** Text three-way merge; default `git merge-file -p` (see gitMergeText). */
  readonly mergeText?: MergeText;
  /** Conflict marker labels; default yours / base / template. */
  readonly labels?: MergeLabels;
}

/** Bytes git looks at to call a file binary. */
const BINARY_SNIFF = 8000;

function same(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}

function isBinary(bytes: Buffer | undefined): boolean {
  return bytes !== undefined && bytes.subarray(0, BINARY_SNIFF).includes(0);
}

/** Decodes as UTF-8 only if that is lossless (a latin-1 file would come back changed otherwise). */
function utf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/**
 * One decision per path the template has (in base or theirs), sorted by path (code-unit order).
 * Paths only in `ours` (the user's own files) are left alone and not listed.
 */
export async function mergeProject(base: FileSet, theirs: FileSet, ours: FileSet, options: MergeProjectOptions = {}): Promise<MergeDecision[]> {
  const mergeText = options.mergeText ?? gitMergeText;
  const labels = options.labels ?? DEFAULT_LABELS;
  const paths = [...new Set([...base.keys(), ...theirs.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const decisions: MergeDecision[] = [];
  for (const path of paths) {
    decisions.push(await decide(path, base.get(path), theirs.get(path), ours.get(path), mergeText, labels));
  }
  return decisions;
}

async function decide(
  path: string,
  b: Buffer | undefined,
  t: Buffer | undefined,
  o: Buffer | undefined,
  mergeText: MergeText,
  labels: MergeLabels,
): Promise<MergeDecision> {
  if (isProtectedPath(path)) {
    return { path, action: 'protected', why: `protected (${protectedReason(path) ?? 'data'}): never read or written by update` };
  }
  if (same(b, t)) {
    return { path, action: 'kept', why: o === undefined ? 'the template did not change it; you deleted it' : 'the template did not change it' };
  }
  if (same(o, t)) {
    return { path, action: 'kept', why: o === undefined ? 'already removed' : 'already up to date' };
  }
  if (same(o, b)) {
    if (t === undefined) return { path, action: 'removed', why: 'removed by the template; you never changed it' };
    if (b === undefined) return { path, action: 'added', content: t, why: 'new in the template' };
    return { path, action: 'updated', content: t, why: 'changed by the template; you never changed it' };
  }
  // From here ours differs from both base and theirs.
  if (t === undefined) {
    return { path, action: 'kept', why: 'removed by the template, kept because you changed it' };
  }
  if (o === undefined) {
    // A change of the template (a security fix, often) would silently not land: that is a conflict for
    // a person to decide (as git treats modify/delete). Nothing is written; the file stays deleted.
    return { path, action: 'conflict', why: 'you deleted it; the template changed it (restore it from the template, or keep it deleted)', conflicts: 1 };
  }
  return mergeBoth(path, b, t, o, mergeText, labels);
}

/** Both sides changed (or both added) the file: package.json by key, binaries by hand, the rest as text. */
async function mergeBoth(
  path: string,
  b: Buffer | undefined,
  t: Buffer,
  o: Buffer,
  mergeText: MergeText,
  labels: MergeLabels,
): Promise<MergeDecision> {
  const added = b === undefined;
  if (path === 'package.json') {
    const json = mergePackageJson(b, t, o);
    if (json !== undefined) {
      if (json.conflicts.length > 0) {
        return { path, action: 'conflict', content: json.content, why: json.conflicts.join('; '), conflicts: json.conflicts.length };
      }
      if (json.sameAsOurs) return { path, action: 'kept', why: 'already up to date (yours has the template changes)' };
      return { path, action: 'merged', content: json.content, why: 'merged key by key: your changes and the template changes' };
    }
  }
  const [oursText, baseText, theirsText] = [utf8(o), b === undefined ? '' : utf8(b), utf8(t)];
  if (isBinary(o) || isBinary(b) || isBinary(t) || oursText === undefined || baseText === undefined || theirsText === undefined) {
    const kind = isBinary(o) || isBinary(b) || isBinary(t) ? 'binary' : 'not UTF-8 text';
    return { path, action: 'conflict', content: o, why: `${kind}: both changed; yours kept, resolve by hand`, conflicts: 1 };
  }
  const result = await mergeText(oursText, baseText, theirsText, labels);
  if (!Number.isInteger(result.conflicts) || result.conflicts < 0) {
    throw new Error(`text merge of ${path} returned an invalid conflict count: ${String(result.conflicts)}`);
  }
  const content = Buffer.from(result.text, 'utf8');
  if (result.conflicts > 0) {
    const why = added
      ? `added by both you and the template, differently: ${plural(result.conflicts)} marked`
      : `both changed overlapping lines: ${plural(result.conflicts)} marked`;
    return { path, action: 'conflict', content, why, conflicts: result.conflicts };
  }
  if (content.equals(o)) return { path, action: 'kept', why: 'already up to date (yours has the template changes)' };
  return { path, action: 'merged', content, why: added ? 'added by both you and the template; merged' : 'your changes and the template changes merged' };
}

function plural(conflicts: number): string {
  return conflicts === 1 ? '1 conflict' : `${conflicts} conflicts`;
}
