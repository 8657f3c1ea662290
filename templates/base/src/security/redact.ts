// Argument redaction for the audit log. Guards against secrets landing in a long-lived log (values
// under sensitive key names become [REDACTED]) and against log flooding (long strings truncated,
// depth, keys and items bounded). Over-redaction is the safe side: `monkey` is redacted too.
const SENSITIVE_KEY = /pass(word|phrase|wd)?|secret|token|key|authori[sz]ation|cookie|credential|session|private|signature/i;
export const LIMITS = { string: 256, depth: 5, items: 50, keys: 50, keyName: 64 } as const;

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let head = text.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1); // never split a surrogate pair
  return `${head}…[+${text.length - head.length} chars]`;
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** A JSON-safe, bounded, redacted copy of `value`. */
export function redactArgs(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return truncate(value, LIMITS.string);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return `[${typeof value}]`;
  if (depth >= LIMITS.depth) return '[too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, LIMITS.items).map((item) => redactArgs(item, depth + 1));
    if (value.length > LIMITS.items) items.push(`[+${value.length - LIMITS.items} items]`);
    return items;
  }
  const keys = Object.keys(value);
  // Object.fromEntries defines own properties, so a "__proto__" key cannot reach the prototype.
  const entries: [string, unknown][] = keys.slice(0, LIMITS.keys).map((key) => [
    truncate(key, LIMITS.keyName),
    isSensitiveKey(key) ? '[REDACTED]' : redactArgs((value as Record<string, unknown>)[key], depth + 1),
  ]);
  if (keys.length > LIMITS.keys) entries.push(['[more]', `+${keys.length - LIMITS.keys} keys`]);
  return Object.fromEntries(entries);
}
