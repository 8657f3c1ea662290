/**
 * `package.json` three-way merge for `update`, key by key instead of line by line. Guards against the
 * classic text-merge failures on this file: a dependency the user added and a pin the template bumped
 * on neighbouring lines turning into a conflict, a dropped comma making the file invalid JSON, and a
 * conflicting pin being silently resolved either way. Dependency maps, scripts and engines merge per
 * entry; a key both sides changed differently keeps the user's value and is reported as a conflict.
 */

type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
interface JsonObject {
  [key: string]: JsonValue;
}

/** Maps merged entry by entry rather than as one value. */
const ENTRY_MAPS = new Set(['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'scripts', 'engines']);
/** Maps npm writes sorted: the merged result is sorted too. */
const SORTED_MAPS = new Set(['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']);

export interface PackageJsonMerge {
  /** The merged file (2-space JSON, trailing newline; CRLF if yours used CRLF). */
  readonly content: Buffer;
  /** One note per key both sides changed differently (the user's value was kept). */
  readonly conflicts: readonly string[];
  /** The merged value equals yours (ignoring formatting and key order): nothing to write. */
  readonly sameAsOurs: boolean;
}

/** Ordered view of a parsed object; own keys only, so `__proto__` or `constructor` are plain keys. */
type Entries = Map<string, JsonValue>;

function parseObject(bytes: Buffer): Entries | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return isObject(parsed) ? new Map(Object.entries(parsed)) : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON value equality; object key order does not matter, absent (undefined) equals only absent. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

function show(value: JsonValue | undefined): string {
  if (value === undefined) return '(removed)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface Pick {
  readonly value: JsonValue | undefined;
  readonly conflict: boolean;
}

/** Three-way choice for one value: whoever changed it wins; both changed differently → yours, flagged. */
function pick(base: JsonValue | undefined, theirs: JsonValue | undefined, ours: JsonValue | undefined): Pick {
  if (jsonEqual(base, theirs)) return { value: ours, conflict: false };
  if (jsonEqual(ours, base)) return { value: theirs, conflict: false };
  if (jsonEqual(ours, theirs)) return { value: ours, conflict: false };
  return { value: ours, conflict: true };
}

/** Keys in yours' order, then keys only the template has, in its order. */
function unionKeys(ours: Entries, theirs: Entries): string[] {
  return [...ours.keys(), ...[...theirs.keys()].filter((key) => !ours.has(key))];
}

function toEntries(value: JsonValue | undefined): Entries | undefined {
  if (value === undefined) return new Map();
  return isObject(value) ? new Map(Object.entries(value)) : undefined;
}

function mergeEntries(prefix: string, base: Entries, theirs: Entries, ours: Entries, conflicts: string[]): Entries {
  const merged: Entries = new Map();
  for (const key of unionKeys(ours, theirs)) {
    const b = base.get(key);
    const t = theirs.get(key);
    const o = ours.get(key);
    const { value, conflict } = pick(b, t, o);
    if (conflict) conflicts.push(`conflict in ${prefix}${key}: yours ${show(o)}, template ${show(t)}`);
    if (value !== undefined) merged.set(key, value);
  }
  return merged;
}

function fromEntries(entries: Entries): JsonObject {
  // Object.fromEntries defines own data properties, so a "__proto__" key stays a key.
  return Object.fromEntries(entries) as JsonObject;
}

/**
 * Merges package.json key by key. `base` undefined means the template added the file (an empty base:
 * keys both sides have with the same value merge cleanly, the rest of yours and theirs meet as
 * additions). Returns undefined when a side is not a JSON object: the caller falls back to a text merge.
 */
export function mergePackageJson(base: Buffer | undefined, theirs: Buffer, ours: Buffer): PackageJsonMerge | undefined {
  const b = base === undefined ? new Map<string, JsonValue>() : parseObject(base);
  const t = parseObject(theirs);
  const o = parseObject(ours);
  if (b === undefined || t === undefined || o === undefined) return undefined;

  const conflicts: string[] = [];
  const merged: Entries = new Map();
  for (const key of unionKeys(o, t)) {
    const bv = b.get(key);
    const tv = t.get(key);
    const ov = o.get(key);
    const choice = pick(bv, tv, ov);
    if (!choice.conflict) {
      if (choice.value !== undefined) merged.set(key, choice.value);
      continue;
    }
    const [be, te, oe] = [toEntries(bv), toEntries(tv), toEntries(ov)];
    if (ENTRY_MAPS.has(key) && be !== undefined && te !== undefined && oe !== undefined) {
      let entries = mergeEntries(`${key}.`, be, te, oe, conflicts);
      if (SORTED_MAPS.has(key)) {
        entries = new Map([...entries].sort(([x], [y]) => x.localeCompare(y, 'en')));
      }
      // A map yours did not have appears only if something is left in it.
      if (ov !== undefined || entries.size > 0) merged.set(key, fromEntries(entries));
      continue;
    }
    conflicts.push(`conflict in ${key}: yours ${show(ov)}, template ${show(tv)}`);
    if (ov !== undefined) merged.set(key, ov);
  }

  const result = fromEntries(merged);
  const eol = ours.includes('\r\n') ? '\r\n' : '\n';
  const text = `${JSON.stringify(result, null, 2)}\n`.replace(/\n/g, eol);
  return {
    content: Buffer.from(text, 'utf8'),
    conflicts,
    sameAsOurs: jsonEqual(result, fromEntries(o)),
  };
}
