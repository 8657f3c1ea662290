// Argument redaction and bounding for the audit log. Guards against secrets landing in a long-lived
// log (values under sensitive key names become [REDACTED]) and against log flooding: whatever the
// input, the arguments of one line are bounded BEFORE redaction (depth, keys, items, string lengths
// and a budget of values visited, so no input makes the walk itself expensive) and AFTER it (the
// serialized arguments are capped at ARGS_MAX_BYTES). A cut is marked and carries the SHA-256 of the
// full canonical arguments, computed over a bounded walk (HASH_BUDGET): beyond it the digest covers
// only what was walked and says so. Over-redaction is the safe side: `monkey` is redacted too.
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

const SENSITIVE_KEY = /pass(word|phrase|wd)?|secret|token|key|authori[sz]ation|cookie|credential|session|private|signature/i;
export const LIMITS = { string: 256, depth: 5, items: 50, keys: 50, keyName: 64, nodes: 400 } as const;
/** The tighter limits used when the redacted arguments still serialize over ARGS_MAX_BYTES. */
const TIGHT = { string: 64, depth: 3, items: 10, keys: 10, keyName: 32, nodes: 60 } as const;
/** Cap on the serialized arguments of one audit line (bytes of canonical JSON, UTF-8). */
export const ARGS_MAX_BYTES = 2048;
/** The hashing walk stops after this many values or string bytes. */
export const HASH_BUDGET = { nodes: 200_000, bytes: 8 * 1024 * 1024 } as const;

type Limits = { readonly [K in keyof typeof LIMITS]: number };

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let head = text.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1); // never split a surrogate pair
  return `${head}…[+${text.length - head.length} chars]`;
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** A JSON-safe, bounded, redacted copy of `value` (at most `limits.nodes` values are visited). */
export function redactArgs(value: unknown, limits: Limits = LIMITS): unknown {
  let budget = limits.nodes;
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string') return truncate(v, limits.string);
    if (typeof v === 'bigint') return truncate(v.toString(), limits.string);
    if (typeof v !== 'object') return `[${typeof v}]`;
    if (depth >= limits.depth) return Array.isArray(v) ? (v.length === 0 ? [] : '[too deep]') : Object.keys(v).length === 0 ? {} : '[too deep]';
    if (Array.isArray(v)) {
      const items: unknown[] = [];
      for (const item of v.slice(0, limits.items)) {
        if (budget-- <= 0) break;
        items.push(walk(item, depth + 1));
      }
      if (v.length > items.length) items.push(`[+${v.length - items.length} items]`);
      return items;
    }
    const keys = Object.keys(v);
    // Object.fromEntries defines own properties, so a "__proto__" key cannot reach the prototype.
    const entries: [string, unknown][] = [];
    for (const key of keys.slice(0, limits.keys)) {
      if (budget-- <= 0) break;
      entries.push([truncate(key, limits.keyName), isSensitiveKey(key) ? '[REDACTED]' : walk((v as Record<string, unknown>)[key], depth + 1)]);
    }
    if (keys.length > entries.length) entries.push(['[more]', `+${keys.length - entries.length} keys`]);
    return Object.fromEntries(entries);
  };
  return walk(value, 0);
}

/**
 * SHA-256 of canonicalJson(value) with every sensitive field replaced by "[REDACTED]" (so the digest is
 * no offline oracle for a password or token), streamed over an explicit stack (no recursion: deep values
 * are safe) and stopped after HASH_BUDGET; `complete` is false when it stopped early.
 */
export function argsDigest(value: unknown): { sha256: string; complete: boolean } {
  const hash: Hash = createHash('sha256');
  let nodes = 0;
  let bytes = 0;
  // Items are values to serialize, or literal text (punctuation) to emit.
  const stack: ({ text: string } | { value: unknown })[] = [{ value }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if ('text' in top) {
      hash.update(top.text);
      continue;
    }
    if (++nodes > HASH_BUDGET.nodes || bytes > HASH_BUDGET.bytes) return { sha256: hash.digest('hex'), complete: false };
    const v = top.value;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      const isArray = Array.isArray(v);
      const room = HASH_BUDGET.nodes - nodes;
      if ((isArray ? (v as unknown[]).length : Object.keys(v).length) > room) return { sha256: hash.digest('hex'), complete: false };
      const keys = isArray ? [] : Object.keys(v).sort();
      const parts: ({ text: string } | { value: unknown })[] = [{ text: isArray ? '[' : '{' }];
      if (isArray) {
        (v as unknown[]).forEach((item, i) => {
          if (i > 0) parts.push({ text: ',' });
          parts.push(item === undefined || typeof item === 'function' || typeof item === 'symbol' ? { text: 'null' } : { value: item });
        });
      } else {
        let first = true;
        for (const key of keys) {
          const item = (v as Record<string, unknown>)[key];
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
          parts.push({ text: `${first ? '' : ','}${JSON.stringify(key)}:` }, isSensitiveKey(key) ? { text: '"[REDACTED]"' } : { value: item });
          first = false;
        }
      }
      parts.push({ text: isArray ? ']' : '}' });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]!);
      continue;
    }
    if (typeof v === 'string' && v.length > HASH_BUDGET.bytes - bytes) return { sha256: hash.digest('hex'), complete: false };
    let text: string;
    try {
      text = typeof v === 'bigint' ? `"${v.toString()}"` : (canonicalJson(v) ?? 'null');
    } catch {
      text = 'null';
    }
    bytes += text.length;
    hash.update(text);
  }
  return { sha256: hash.digest('hex'), complete: true };
}

export interface BoundedArgs {
  args: unknown;
  /** Set when anything was cut: the marker and the digest of the full arguments. */
  cut?: { sha256: string; hashComplete: boolean };
}

const serialize = (value: unknown): string => canonicalJson(value) ?? 'null';
const CUT_MARKER = /\[too deep\]|…\[\+\d+ chars\]|\[\+\d+ items\]|"\[more\]"|^"\[arguments omitted/;

/** Redacted, bounded arguments for one audit line: never over ARGS_MAX_BYTES once serialized. */
export function boundArgs(value: unknown): BoundedArgs {
  let args = redactArgs(value);
  let text = serialize(args);
  if (Buffer.byteLength(text, 'utf8') > ARGS_MAX_BYTES) {
    args = redactArgs(value, TIGHT);
    text = serialize(args);
    const size = Buffer.byteLength(text, 'utf8');
    if (size > ARGS_MAX_BYTES) text = serialize((args = `[arguments omitted: ${size} bytes after redaction]`));
  }
  // Cut = the bounded copy lost something (the markers redaction leaves); [REDACTED] alone is not a cut.
  if (!CUT_MARKER.test(text)) return { args };
  const digest = argsDigest(value);
  return { args, cut: { sha256: digest.sha256, hashComplete: digest.complete } };
}
